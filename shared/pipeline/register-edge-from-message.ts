import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import type { EdgeMessage } from '../messages/edge-message.js';
import { mosaicMessageAttributes, type MosaicMessage } from '../messages/mosaic-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { recordMosaicItem } from '../records/mosaics-repository.js';
import { registerEdge, type EdgeMeasurement } from '../stitching/register-edge.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface RegisterEdgeFromMessageResult {
  readonly mosaicId: string;
  readonly itemIndex: number;
  /** This delivery stored the measurement (false: a duplicate, nothing changed). */
  readonly inserted: boolean;
  /** This delivery completed the mosaic and published its `MosaicMessage` (the solve). */
  readonly completedMosaic: boolean;
  readonly ncc: number;
  /** Why nothing could be measured (a tile unreadable or of another size): recorded as no candidate. */
  readonly unmeasured?: string;
}

/**
 * Measures one item of a mosaic: reads its two canonical tiles (decoded once per process),
 * `registerEdge` on the pair's expected overlap, and records the measurement with the mosaic's
 * exactly-once fan-in (`recordMosaicItem`). The delivery that records the last item publishes the
 * `MosaicMessage`. A tile that cannot be read as the plan says (gone, of another size) is a
 * permanent condition: the item is recorded with no candidate (NaN), so that the mosaic still
 * completes and the solve reports the edge; database and storage outages are rethrown (retry).
 */
export async function registerEdgeFromMessage(
  deps: PipelineDeps,
  message: EdgeMessage,
  cache: DecodedImageCache = decodedImages,
): Promise<RegisterEdgeFromMessageResult> {
  const { mosaicId, itemIndex, pair } = message;
  const started = performance.now();
  let measured: EdgeMeasurement;
  let unmeasured: string | undefined;
  try {
    const [a, b] = await Promise.all([
      tileOf(deps, message, message.a.path, cache),
      tileOf(deps, message, message.b.path, cache),
    ]);
    measured = registerEdge(a, message.turned ? turned(b) : b, pair, message.options);
  } catch (error) {
    if (!(isMetdbError(error) && error.kind === 'permanent')) throw error;
    unmeasured = error.message;
    measured = { i: pair.i, j: pair.j, dx: NaN, dy: NaN, ncc: NaN, runnerUp: NaN, overlap: NaN };
    deps.logger.warn(`stitch: mosaic ${mosaicId} item ${itemIndex} not measured: ${unmeasured}`, {
      mosaicId,
      itemIndex,
    });
  }
  const outcome = await recordMosaicItem(deps.db, {
    mosaic_id: mosaicId,
    item_index: itemIndex,
    kind: message.kind,
    dx: measured.dx,
    dy: measured.dy,
    ncc: measured.ncc,
    runner_up: measured.runnerUp,
    overlap: measured.overlap,
    duration_ms: performance.now() - started,
  });
  if (outcome.completedMosaic) {
    const solve: MosaicMessage = { schemaVersion: SCHEMA_VERSION, mosaicId };
    await deps.bus.publish(deps.topics.mosaics ?? 'mosaics', solve, mosaicMessageAttributes(solve));
  }
  return {
    mosaicId,
    itemIndex,
    inserted: outcome.inserted,
    completedMosaic: outcome.completedMosaic,
    ncc: measured.ncc,
    ...(unmeasured === undefined ? {} : { unmeasured }),
  };
}

async function tileOf(
  deps: PipelineDeps,
  message: EdgeMessage,
  path: string,
  cache: DecodedImageCache,
): Promise<NdArray> {
  const { array } = await cache.get(deps.blobs, path, message.channel);
  const [h, w] = array.shape;
  if (array.shape.length !== 2 || h !== message.height || w !== message.width) {
    throw new MetdbError(
      'shape-mismatch',
      `${path} is [${array.shape.join(', ')}], the mosaic's tiles are ${message.width}x${message.height} px`,
    );
  }
  return array;
}

/** The tile turned by 180 degrees (null pairs of mosaics with few distant pairs). */
function turned(tile: NdArray): NdArray {
  return { data: tile.data.slice().reverse(), shape: tile.shape };
}
