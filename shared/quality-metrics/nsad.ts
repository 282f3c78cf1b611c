import type { NdArray } from '../ndarray/ndarray.js';
import { checkPair } from './check-pair.js';

/**
 * Normalised sum of absolute differences, as the FIB-SEM registration toolkit (Shtengel, SIFT_gs
 * `analyze_mrc_stack_registration`) defines it:
 *
 *     nsad = mean |a - b| / (mean m - min m),   m = |a / 2 + b / 2|
 *
 * 0 for identical images; it grows with misregistration and noise. It depends on the intensity
 * offset of the data (through min m), so compare it between sections of one stack, not between
 * datasets. NaN when m is constant.
 *
 * @param a, b same shape, any axes
 * @throws MetdbError 'shape-mismatch', 'empty-array'
 */
export function normalizedSumOfAbsoluteDifferences(a: NdArray, b: NdArray): number {
  checkPair(a, b, 'normalizedSumOfAbsoluteDifferences', 1);
  const n = a.data.length;
  const ad = a.data;
  const bd = b.data;
  let sad = 0;
  let sum = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const u = ad[i]!;
    const v = bd[i]!;
    sad += Math.abs(u - v);
    const m = Math.abs(u / 2 + v / 2);
    sum += m;
    if (m < min) min = m;
  }
  const spread = sum / n - min;
  return spread > 0 ? sad / n / spread : Number.NaN;
}
