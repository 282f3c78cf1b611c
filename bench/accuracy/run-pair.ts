import { aggregateTileShifts } from '../../shared/aggregation/robust-shift.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { resolveJobParams, tileParamsOf, type JobParams } from '../../shared/pipeline/dataset-settings.js';
import { registerTileParams } from '../../shared/pipeline/measure-tile.js';
import { extractRegion } from '../../shared/tiling/extract-region.js';
import { planTiles } from '../../shared/tiling/plan-tiles.js';
import { offsetRegion, predictShift } from '../../shared/tiling/predict-shift.js';
import { prepareReferenceTile, registerTile } from '../../shared/tiling/register-tile.js';
import { TileWorkspace } from '../../shared/tiling/tile-workspace.js';

/**
 * What `metdb run` computes for one pair, in process: the planner's tiles (`planTiles` with the
 * job's `tileSize` and `tileOverlap`) and predicted offset (`predictShift`), each tile measured as
 * `measureTile` does (the moving tile cut at the offset, `registerTile` with the message's
 * parameters, the offset added back), and the aggregation's `aggregateTileShifts`. Without the
 * database, the bus and the worker threads, which do not change a number.
 *
 * @param params the job's parameters; the defaults of a dataset without metdb.json when absent
 * @returns the aggregated shift (registers moving onto reference, axis order (z,) y, x)
 */
export function runPair(reference: NdArray, moving: NdArray, params?: JobParams): number[] {
  const job = params ?? resolveJobParams(reference.shape.length);
  const tileParams = registerTileParams(tileParamsOf(job));
  const tiles = planTiles(reference.shape, { tileSize: job.tileSize, overlap: job.tileOverlap });
  const workspace = new TileWorkspace();
  const { offset } = predictShift(reference, moving, workspace);
  const measured = tiles.map((tile) => {
    const prepared = prepareReferenceTile(extractRegion(reference, tile), tileParams, workspace);
    const region = offsetRegion(tile, offset, moving.shape);
    const result = registerTile(prepared, extractRegion(moving, region), tileParams, workspace);
    const skipped = result.skipped !== undefined;
    return {
      shift: skipped ? result.shift : result.shift.map((s, k) => s + tile.start[k]! - region.start[k]!),
      weight: skipped ? 0 : result.weight,
      skipped,
    };
  });
  return aggregateTileShifts(measured).shift;
}
