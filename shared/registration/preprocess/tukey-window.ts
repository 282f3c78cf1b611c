import type { NdArray } from '../../ndarray/ndarray.js';
import { checkDtype, checkNumber, checkOptionKeys, type OutputDtype } from './check-options.js';
import { hann1d } from './hann-window.js';
import { separableWindow } from './separable-window.js';
import { DEFAULT_TUKEY_ALPHA } from './window-option.js';

export interface TukeyWindowOptions {
  /**
   * Fraction of the window inside the cosine tapers, in [0, 1]: 0 is a rectangular window, 1 a Hann
   * window.
   * @default 0.5
   */
  alpha?: number;
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

/**
 * Symmetric 1-D Tukey (tapered cosine) window of length n, as `scipy.signal.windows.tukey(n, alpha)`
 * computes it (same formula and operation order): flat at 1 in the middle, cosine tapers over
 * alpha * (n - 1) / 2 samples at each end.
 */
export function tukey1d(n: number, alpha: number): Float64Array {
  if (n <= 1) return new Float64Array(n).fill(1);
  if (alpha <= 0) return new Float64Array(n).fill(1);
  if (alpha >= 1) return hann1d(n);
  const w = new Float64Array(n).fill(1);
  const width = Math.floor((alpha * (n - 1)) / 2);
  for (let k = 0; k <= width; k++) {
    w[k] = 0.5 * (1 + Math.cos(Math.PI * (-1 + (2 * k) / alpha / (n - 1))));
  }
  for (let k = n - width - 1; k < n; k++) {
    w[k] = 0.5 * (1 + Math.cos(Math.PI * (-2 / alpha + 1 + (2 * k) / alpha / (n - 1))));
  }
  return w;
}

/**
 * Separable N-D Tukey window (outer product of `tukey1d` per axis, see `separableWindow`). Unlike Hann,
 * it keeps the centre of a tile at full weight and only tapers its borders.
 *
 * @param shape window shape, axis order (z,) y, x
 */
export function tukeyWindow(
  shape: readonly number[],
  options: TukeyWindowOptions = {},
): NdArray<Float32Array | Float64Array> {
  checkOptionKeys(options, ['alpha', 'dtype'], 'tukeyWindow');
  const alpha = checkNumber(options.alpha, DEFAULT_TUKEY_ALPHA, 'alpha', 0, 1);
  return separableWindow(shape, (n) => tukey1d(n, alpha), checkDtype(options.dtype));
}
