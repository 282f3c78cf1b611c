import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { blobSink } from '../outputs/blob-sink.js';
import { writeMosaicImage, writeStitchReport, writeStitchTables } from '../outputs/write-stitch-outputs.js';
import { getDataset } from '../records/datasets-repository.js';
import { finishMosaic, getMosaic, listMosaicItems } from '../records/mosaics-repository.js';
import type { EdgeMeasurement } from '../stitching/register-edge.js';
import { solveMosaic } from '../stitching/solve-mosaic.js';
import type { StitchResult } from '../stitching/stitch-result.js';
import { stageSearchIn } from '../stitching/stitch-tiles.js';
import { DecodedImageCache } from './decoded-image-cache.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { storedPlanOf } from './stored-mosaic-plan.js';

export interface SolveStitchingResult {
  readonly mosaicId: string;
  /** True for the one call that stored the mosaic's positions (or its failure). */
  readonly solved: boolean;
  /** The mosaic's state after this call. */
  readonly state: string;
  /** `outputs/<datasetId>/mosaics/v<version>/`, when solved. */
  readonly prefix?: string;
  readonly acceptedEdges?: number;
  /** Tiles kept at their stage position (no accepted edge). */
  readonly stageTiles?: number;
  readonly reason?: string;
}

/**
 * Solves a mosaic whose items are all recorded (state `solving`): `solveMosaic` on the recorded
 * measurements (NCC threshold from the null pairs, MIST's stage model searching the canonical
 * tiles, weighted least squares with outlier removal), then the outputs `local` `metdb stitch`
 * writes (`TileConfiguration.registered.txt`, `positions.csv/json`, `mosaic.ome.tif`,
 * `report.html`) to the results bucket under `outputs/<datasetId>/mosaics/v<version>/`, then the
 * positions (`mosaic_tiles`) and the result with state `done`, in one transaction.
 *
 * Exactly once: `finishMosaic` changes the row only from `solving`, so a redelivered or concurrent
 * message stores nothing; the outputs are created only if absent, from the records alone (the
 * report's time is the mosaic's), so a second writer finds them written. A message for a mosaic
 * still measuring, or finished, does nothing. Unreadable tiles fail the mosaic with the reason.
 */
export async function solveStitching(
  deps: PipelineDeps,
  input: { mosaicId: string },
): Promise<SolveStitchingResult> {
  const { mosaicId } = input;
  const mosaic = await getMosaic(deps.db, mosaicId);
  if (mosaic === undefined)
    throw new MetdbError('not-found', `stitch: no mosaic ${mosaicId}`, { details: { mosaicId } });
  if (mosaic.state !== 'solving') {
    const reason = mosaic.state === 'running' ? 'not complete (running)' : `already ${mosaic.state}`;
    return { mosaicId, solved: false, state: mosaic.state, reason };
  }
  const stored = storedPlanOf(mosaic.plan);
  const items = await listMosaicItems(deps.db, mosaicId);
  const edges = stored.plan.pairs.length;
  const measured: EdgeMeasurement[] = stored.plan.pairs.map((p, k) => {
    const item = items.find((r) => r.item_index === k);
    return item === undefined
      ? { i: p.i, j: p.j, dx: NaN, dy: NaN, ncc: NaN, runnerUp: NaN, overlap: NaN }
      : {
          i: p.i,
          j: p.j,
          dx: item.dx,
          dy: item.dy,
          ncc: item.ncc,
          runnerUp: item.runner_up,
          overlap: item.overlap,
        };
  });
  const nullNccs = items.filter((r) => r.item_index >= edges).map((r) => r.ncc);
  // The stage model's search and the fusion read every tile: a cache of this solve alone.
  const cache = new DecodedImageCache({ maxBytes: Number.MAX_SAFE_INTEGER });
  const channelOf = (c: number): Promise<NdArray[]> =>
    Promise.all(stored.tiles.map(async (t) => (await cache.get(deps.blobs, t.path, c)).array));
  let result: StitchResult;
  let tiles: NdArray[];
  try {
    tiles = await channelOf(stored.channel);
    result = solveMosaic(stored.layout, stored.plan, measured, nullNccs, stageSearchIn(tiles));
  } catch (error) {
    return fail(deps, mosaicId, error);
  }
  const prefix = `outputs/${mosaic.dataset_id}/mosaics/v${mosaic.version}/`;
  const sink = blobSink(deps.blobs, prefix);
  const outputs: Record<string, string> = await writeStitchTables(
    sink,
    result,
    stored.pixelSize === null ? null : { ...stored.pixelSize, z: null },
  );
  if (stored.fuse) {
    try {
      Object.assign(
        outputs,
        await writeMosaicImage(sink, {
          result,
          channels: stored.channels,
          readChannel: (c) => (c === stored.channel ? Promise.resolve(tiles) : channelOf(c)),
          pixelType: stored.pixelType,
          pixelSize: stored.pixelSize === null ? null : { ...stored.pixelSize, z: null },
        }),
      );
    } catch (error) {
      return fail(deps, mosaicId, error);
    }
  }
  const dataset = await getDataset(deps.db, mosaic.dataset_id);
  outputs['report'] = await writeStitchReport(sink, {
    dataset: dataset?.name ?? mosaic.dataset_id,
    result,
    finishedAt: new Date(mosaic.updated_at),
    facts: {
      layout: stored.source,
      'registration channel': String(stored.channel),
      version: String(mosaic.version),
    },
  });
  const solved = await finishMosaic(deps.db, mosaicId, {
    result: { ...result, outputs },
    output_prefix: prefix,
    tiles: result.tiles.map((t, k) => ({
      tile_index: k,
      image_id: stored.tiles[k]!.imageId,
      name: t.name,
      x: t.x,
      y: t.y,
      nominal_x: t.nominalX,
      nominal_y: t.nominalY,
      status: t.status,
      edges: t.edges,
    })),
  });
  const stage = result.tiles.filter((t) => t.status === 'stage');
  if (solved && stage.length > 0) {
    deps.logger.warn(
      `stitch: mosaic ${mosaicId}: ${stage.length} tile(s) kept at their stage position: ${stage.map((t) => t.name).join(', ')}`,
      { mosaicId },
    );
  }
  return {
    mosaicId,
    solved,
    state: 'done',
    prefix,
    acceptedEdges: result.edges.filter((e) => e.status === 'accepted').length,
    stageTiles: stage.length,
  };
}

/** A permanent failure (a tile gone or unreadable) fails the mosaic; anything else is retried. */
async function fail(deps: PipelineDeps, mosaicId: string, error: unknown): Promise<SolveStitchingResult> {
  if (!(isMetdbError(error) && error.kind === 'permanent')) throw error;
  const solved = await finishMosaic(deps.db, mosaicId, { failure_reason: error.message });
  return { mosaicId, solved, state: 'failed', reason: error.message };
}
