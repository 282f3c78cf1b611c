import { isMetdbError } from '../errors/metdb-error.js';
import type { TileMessage } from '../messages/tile-message.js';
import type { NewTileResult } from '../records/record-tile-result.js';
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { frameOf } from '../series/frame-of.js';
import { extractRegion } from '../tiling/extract-region.js';
import { warpTile } from '../tiling/warp-tile.js';
import { registerTile, type RegisterTileParams } from '../tiling/register-tile.js';
import { registerTileAt } from '../tiling/register-tile-at.js';
import { TileWorkspace } from '../tiling/tile-workspace.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import { preparedTiles } from './prepared-tile-cache.js';
import { judgeTile } from '../quality/judge-tile.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';

/** What measuring a tile needs: where the canonical images are. No database, no bus. */
export type TileStores = Pick<PipelineDeps, 'blobs' | 'bucket'>;

/**
 * Measures one tile, the computing half of `registerTileFromMessage`: reads the two canonical
 * images named by the message (decoded once per process, `DecodedImageCache`), cuts the region
 * out of the reference and out of the moving image where the pair's predicted shift puts it (the
 * message's `offset`, see `predictShift`), `registerTile` (preprocessing, the window, phase
 * correlation, a quality weight) and adds the offset back to the shift.
 * Tiles that cannot be registered (too little signal, an unreadable image, a shape that does not
 * match the message) give a skipped row with the reason and weight 0. Transient errors throw.
 * `workspace`: the buffers a thread reuses from tile to tile (see `TileWorkspace`; the worker or
 * function instance makes one), a new one when absent.
 *
 * @returns the tile's result row, to record with `recordTileResults`
 */
export async function measureTile(
  stores: TileStores,
  m: TileMessage,
  cache: DecodedImageCache = decodedImages,
  workspace = new TileWorkspace(),
): Promise<NewTileResult> {
  const started = Date.now();
  const r = await measure(stores, m, cache, workspace);
  // Field by field, every row of one shape (a spread of rows of two shapes cost a few µs a tile).
  return {
    job_id: m.jobId,
    tile_index: m.tileIndex,
    region: { start: m.region.start, size: m.region.size },
    shift_z: r.shift_z,
    shift_y: r.shift_y,
    shift_x: r.shift_x,
    peak: r.peak,
    error: r.error,
    weight: r.weight,
    skipped: r.skipped,
    skip_reason: r.skip_reason,
    duration_ms: Date.now() - started,
    quality: judgeTile({
      peakRatio: r.peak ?? 0,
      samples: sizeOf(m.region.size),
      skipped: r.skip_reason,
    }).quality,
  };
}

/** What a measurement gives, skipped or not: every field, null where there is no value. */
interface Measured {
  shift_z: number | null;
  shift_y: number | null;
  shift_x: number | null;
  peak: number | null;
  error: number | null;
  weight: number;
  skipped: boolean;
  skip_reason: string | null;
}

async function measure(
  deps: TileStores,
  m: TileMessage,
  cache: DecodedImageCache,
  workspace: TileWorkspace,
): Promise<Measured> {
  try {
    const channel = m.params.channel;
    const referenceStore = storeOf(deps, m.reference.bucket);
    const movingStore = storeOf(deps, m.moving.bucket);
    let reference = cache.peek(referenceStore.bucket, m.reference.path, channel);
    let moving = cache.peek(movingStore.bucket, m.moving.path, channel);
    if (reference === undefined || moving === undefined) {
      [reference, moving] = await Promise.all([
        cache.get(referenceStore, m.reference.path, channel),
        cache.get(movingStore, m.moving.path, channel),
      ]);
    }
    const referenceArray = framesOf(reference.array, m.reference);
    const movingArray = framesOf(moving.array, m.moving);
    for (const [which, array, expected] of [
      ['reference', referenceArray, m.reference.shape],
      ['moving', movingArray, m.moving.shape],
    ] as const) {
      const shape = array.shape;
      if (shape.length !== expected.length || shape.some((n, axis) => n !== expected[axis])) {
        return skipped(
          `the ${which} image decodes to ${shape.join('x')}, the message says ${expected.join('x')}`,
        );
      }
    }
    const params = registerTileParams(m.params);
    const frames =
      m.reference.frames === undefined ? '' : `${m.reference.frames.start}+${m.reference.frames.count}`;
    const referenceKey = `${m.reference.bucket ?? ''}\u0000${m.reference.path}\u0000${channel}\u0000${frames}\u0000${JSON.stringify(m.region)}`;
    const preparedReference = preparedTiles.get(
      referenceKey,
      () => extractRegion(referenceArray, m.region),
      params,
      workspace,
    );
    // The moving tile is cut where the reference tile's content went, by the pair's predicted
    // shift (the planner's `offset`, added back: `registerTileAt`); or, for a rigid or similarity
    // job, resampled through the planned transform (its shift is the residual).
    const result =
      m.matrix === undefined
        ? registerTileAt(
            { reference: preparedReference, moving: movingArray, region: m.region, offset: m.offset ?? [] },
            params,
            workspace,
          )
        : registerTile(preparedReference, warpTile(movingArray, m.matrix, m.region), params, workspace);
    const { shift } = result;
    const ndim = shift.length;
    return {
      shift_z: ndim === 3 ? shift[0]! : null,
      shift_y: shift[ndim - 2]!,
      shift_x: shift[ndim - 1]!,
      peak: finite(result.peakRatio),
      error: finite(result.error),
      weight: result.skipped === undefined ? result.weight : 0,
      skipped: result.skipped !== undefined,
      skip_reason:
        result.skipped === undefined
          ? null
          : `${result.skipped} (signal ${result.signal.toFixed(2)}, minimum ${m.params.minTileSignal})`,
    };
  } catch (error) {
    if (isMetdbError(error) && error.kind === 'permanent') return skipped(error.message);
    throw error;
  }
}

/** The pixels a message's image names: the decoded image, or frames of it when it is a series. */
function framesOf(array: NdArray, ref: TileMessage['reference']): NdArray {
  return ref.frames === undefined ? array : frameOf(array, ref.shape, ref.frames);
}

/**
 * The tile message's parameters as `registerTile` takes them (the window is its own option
 * there), with the tiles' NCC, which gives the recorded error.
 */
export function registerTileParams(params: TileMessage['params']): RegisterTileParams {
  const { window = false, ...preprocess } = params.preprocessing;
  return {
    upsampleFactor: params.upsampleFactor,
    normalization: params.normalization,
    window, // validated with the message; absent there is no window
    preprocess,
    minSignal: params.minTileSignal,
    ...(params.noiseRegularization === undefined ? {} : { noiseRegularization: params.noiseRegularization }),
    ...(params.refinements === undefined ? {} : { refinements: params.refinements }),
  };
}

function skipped(reason: string): Measured {
  return {
    shift_z: null,
    shift_y: null,
    shift_x: null,
    peak: null,
    error: null,
    weight: 0,
    skipped: true,
    skip_reason: reason.length <= 255 ? reason : `${reason.slice(0, 254)}…`,
  };
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
