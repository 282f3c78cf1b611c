import type { NdArray } from '../ndarray/ndarray.js';
import { checkTiles } from './check-tiles.js';
import { overlapPixels } from './overlap-ncc.js';
import { planMosaic, type PlanMosaicOptions } from './plan-mosaic.js';
import { registerEdge } from './register-edge.js';
import { solveMosaic, type SolveMosaicOptions, type StageSearch } from './solve-mosaic.js';
import { stageSearch } from './stage-search.js';
import type { StitchResult } from './stitch-result.js';
import type { TileLayout } from './tile-layout.js';

export type { EdgeStatus, StitchEdge, StitchedTile, StitchResult } from './stitch-result.js';

export interface StitchTilesOptions extends PlanMosaicOptions, SolveMosaicOptions {}

/**
 * Stitches a mosaic in one process: plans it (`planMosaic`), registers every pair of overlapping
 * tiles on its expected overlap and every null pair (`registerEdge`), then solves it
 * (`solveMosaic`: NCC threshold from the null distribution, stage model, weighted least squares
 * with outlier removal). Positions are tile top-left corners in the layout's frame, pixels.
 *
 * @param tiles one 2D array per layout tile, same order, one shape
 * @throws MetdbError for tiles of different shapes, or a layout where no two tiles overlap
 */
export function stitchTiles(
  tiles: readonly NdArray[],
  layout: TileLayout,
  options: StitchTilesOptions = {},
): StitchResult {
  const [height, width] = checkTiles(tiles, layout);
  const plan = planMosaic(layout, width, height, options);
  const measured = plan.pairs.map((p) => registerEdge(tiles[p.i]!, tiles[p.j]!, p, plan.edge));
  const turned = new Map<number, NdArray>();
  const turn = (k: number): NdArray => {
    let t = turned.get(k);
    if (t === undefined) {
      t = { data: tiles[k]!.data.slice().reverse(), shape: tiles[k]!.shape };
      turned.set(k, t);
    }
    return t;
  };
  const nullNccs = plan.nulls.map(
    (n) =>
      registerEdge(tiles[n.a]!, n.turned ? turn(n.b) : tiles[n.b]!, plan.pairs[n.geometry]!, plan.edge).ncc,
  );
  return solveMosaic(layout, plan, measured, nullNccs, stageSearchIn(tiles), options);
}

/** `solveMosaic`'s stage model search over tiles at hand (MIST's exhaustive search in the box). */
export function stageSearchIn(tiles: readonly NdArray[]): StageSearch {
  return (i, j, box, minPixels) => {
    const found = stageSearch(tiles[i]!, tiles[j]!, box, minPixels);
    return found && { ...found, overlap: overlapPixels(tiles[i]!, tiles[j]!, found.dx, found.dy) };
  };
}
