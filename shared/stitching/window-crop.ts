import type { NdArray } from '../ndarray/ndarray.js';
import { tukey1d } from '../registration/preprocess/tukey-window.js';

/** Where `windowCrop` cuts: columns [x0, x0 + w) and rows [y0, y0 + h) of a 2D tile. */
export interface CropWindow {
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Cuts `crop` out of a 2D tile into a zero-padded float32 buffer of paddedH x paddedW (row-major),
 * the mean removed and a Tukey window applied: the crop's borders fade to zero so that they do
 * not correlate as edges, and the zero padding adds none.
 *
 * @param alpha Tukey taper fraction (0: none, 1: Hann)
 */
export function windowCrop(
  tile: NdArray,
  { x0, y0, w, h }: CropWindow,
  [paddedH, paddedW]: readonly [number, number],
  alpha: number,
): Float32Array {
  const width = tile.shape[1]!;
  const src = tile.data;
  let sum = 0;
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * width + x0;
    for (let x = 0; x < w; x++) sum += src[row + x]!;
  }
  const mean = sum / (w * h);
  const wx = tukey1d(w, alpha);
  const wy = tukey1d(h, alpha);
  const out = new Float32Array(paddedW * paddedH);
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * width + x0;
    const o = y * paddedW;
    const fy = wy[y]!;
    for (let x = 0; x < w; x++) out[o + x] = (src[row + x]! - mean) * fy * wx[x]!;
  }
  return out;
}
