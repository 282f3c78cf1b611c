import type { NdArray } from '../../ndarray/ndarray.js';
import { checkDtype, checkOptionKeys, type OutputDtype } from './check-options.js';
import { separableWindow } from './separable-window.js';

export interface HannWindowOptions {
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

/**
 * Symmetric 1-D Hann window of length n, as `scipy.signal.windows.hann(n, sym=True)` computes it:
 * 0.5 + 0.5 cos(x) for x = linspace(-pi, pi, n); zero at both ends, [1] for n = 1.
 */
export function hann1d(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n <= 1) return w.fill(1);
  const step = (2 * Math.PI) / (n - 1);
  for (let k = 0; k < n; k++) {
    const x = k === n - 1 ? Math.PI : k * step + -Math.PI;
    w[k] = 0.5 + 0.5 * Math.cos(x);
  }
  return w;
}

/**
 * Separable N-D Hann window (outer product of `hann1d` per axis, see `separableWindow`), for
 * `applyWindow` before a phase correlation to suppress the edge discontinuities of the periodic FFT.
 *
 * @param shape window shape, axis order (z,) y, x
 */
export function hannWindow(
  shape: readonly number[],
  options: HannWindowOptions = {},
): NdArray<Float32Array | Float64Array> {
  checkOptionKeys(options, ['dtype'], 'hannWindow');
  return separableWindow(shape, hann1d, checkDtype(options.dtype));
}
