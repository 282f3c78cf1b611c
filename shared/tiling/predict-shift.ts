import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { binImage } from '../registration/preprocess/bin-image.js';
import { prepareReferenceTile, registerTile, type RegisterTileParams } from './register-tile.js';
import type { Region } from './extract-region.js';
import { TileWorkspace } from './tile-workspace.js';

/** Samples the coarse stage correlates at most (2048² is binned to 256², 64 x 256 x 256 to 32 x 42 x 42). */
export const PREDICTION_SAMPLES = 2 ** 16;

/** The coarse stage of a registration: the whole moving image against the whole reference, binned. */
export interface PredictedShift {
  /** Shift registering the moving image onto the reference, pixels, axis order (z,) y, x (zeros when not confident). */
  readonly shift: number[];
  /**
   * The whole-pixel offset each moving tile is cut at, the shift rounded (`offsetRegion`): zeros
   * when the coarse correlation was not confident (`weight` 0).
   */
  readonly offset: number[];
  /** `registerTile`'s weight of the binned images: 0 for no clear peak or too little signal. */
  readonly weight: number;
  /** Binning factor per axis. */
  readonly factors: number[];
}

/**
 * Predicts the shift of a whole image before its tiles are registered, so that each moving tile
 * can be cut where the reference tile's content went (`offsetRegion`) instead of at the same
 * place. Tiles cut at the same place see only part of the same content once the drift is a
 * sizeable part of a tile (a third of a 128 px tile: half the tile is gone), and their shifts
 * come out biased towards zero and fewer of them pass the signal and peak tests; cut at the
 * predicted place, they register a residual of about a pixel. This is the predictor step of
 * coarse-to-fine registration (as PIV's window offset or ASHLAR's whole-tile pass).
 *
 * Both images are binned (block sums, `binImage`) to at most `PREDICTION_SAMPLES` samples (the
 * longest binned axis first), then registered as one tile (`registerTile`: mean removed, Tukey
 * window, phase correlation refined to a full-resolution pixel, peak ratio as weight). No clear
 * peak (weight 0) predicts nothing: every offset is 0, the tiles are cut at the same place.
 * Pure and deterministic (`workspace`: as `registerTile`'s).
 */
export function predictShift(
  reference: NdArray,
  moving: NdArray,
  workspace = new TileWorkspace(),
): PredictedShift {
  const factors = predictionFactors(reference.shape);
  const params = coarseParams(factors);
  const binned = (image: NdArray) => binImage(image, { factor: factors, dtype: 'float32' });
  const coarse = registerTile(
    prepareReferenceTile(binned(reference), params, workspace),
    binned(moving),
    params,
    workspace,
  );
  const confident = coarse.skipped === undefined && coarse.weight > 0;
  const shift = coarse.shift.map((s, k) => (confident ? s * factors[k]! : 0));
  return {
    shift,
    offset: shift.map((s) => Math.round(s) || 0),
    weight: confident ? coarse.weight : 0,
    factors,
  };
}

/**
 * Binning factors that bring `shape` to at most `PREDICTION_SAMPLES` samples: the longest binned
 * axis is binned further until the count fits (2048² -> 8 x 8; 64 x 256 x 256 -> 2 x 6 x 6).
 */
export function predictionFactors(shape: readonly number[]): number[] {
  const factors = shape.map(() => 1);
  const binned = () => shape.map((n, k) => Math.floor(n / factors[k]!));
  for (let b = binned(); sizeOf(b) > PREDICTION_SAMPLES; b = binned()) {
    let longest = 0;
    for (let k = 1; k < b.length; k++) if (b[k]! > b[longest]!) longest = k;
    factors[longest]!++;
  }
  return factors;
}

/**
 * The region of the moving image that holds what `region` of the reference holds when the moving
 * image is shifted by `offset` (moving(p - offset) = reference(p)): `region` moved by -offset,
 * then clamped into the image, so near a border the tile gets only part of the offset. The offset
 * applied is `region.start - result.start`, to add back to the shift measured between the tiles.
 */
export function offsetRegion(region: Region, offset: readonly number[], shape: readonly number[]): Region {
  return {
    start: region.start.map((s, k) =>
      Math.min(Math.max(0, s - (offset[k] ?? 0)), Math.max(0, shape[k]! - region.size[k]!)),
    ),
    size: region.size,
  };
}

/** `registerTile`'s parameters for the binned pair. */
function coarseParams(factors: readonly number[]): RegisterTileParams {
  return {
    upsampleFactor: Math.max(...factors),
    window: 'tukey',
    quality: false, // only the shift and the weight are used
    direct: false, // the shift is rounded
  };
}
