import type { NdArray } from '../ndarray/ndarray.js';

/**
 * Pearson correlation of two images of one shape over the pixels where `b` is defined (not NaN):
 * the NCC over the overlap of a reference and a moving image warped into its frame with NaN
 * outside. NaN when fewer than two pixels are defined or either side is constant there.
 */
export function maskedNcc(a: NdArray, b: NdArray): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < b.data.length; i++) {
    const v = b.data[i]!;
    if (v !== v) continue;
    n++;
    sa += a.data[i]!;
    sb += v;
  }
  if (n < 2) return Number.NaN;
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < b.data.length; i++) {
    const v = b.data[i]!;
    if (v !== v) continue;
    const da = a.data[i]! - ma;
    const db = v - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return ab / Math.sqrt(aa * bb);
}
