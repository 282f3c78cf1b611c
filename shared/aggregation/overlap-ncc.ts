import type { NdArray } from '../ndarray/ndarray.js';

/** Pearson correlation over the pixels where `b` is defined (not NaN). */
export function overlapNcc(a: NdArray, b: NdArray<Float32Array>): number {
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
