import { MetdbError } from '../errors/metdb-error.js';
import { stridesOf, type NdArray } from '../imaging/ndarray.js';

export interface NormalizedCrossCorrelationOptions {
  /**
   * Shift applied to `b` before comparing, pixels, axis order (z,) y, x, with the sign convention
   * of `phaseCrossCorrelation`: `b` shifted by `shift` is compared with `a`, i.e. a(p) with
   * b(p - shift). Fractional shifts use multilinear interpolation.
   * @default zeros (NCC "before" registration)
   */
  shift?: readonly number[];
  /**
   * true: only positions where the shifted `b` has data (the valid overlap, no wrapped borders).
   * false: `b` is treated as periodic (as `fourierShift` would shift it), every pixel counts.
   * @default true
   */
  overlapOnly?: boolean;
}

/**
 * Zero-normalised cross-correlation (Pearson correlation of the pixel values), in [-1, 1], of `a`
 * and `b` shifted by `shift`: sum (a - mean a)(b' - mean b') / sqrt(sum (a - mean a)^2 sum (b' -
 * mean b')^2), the means taken over the compared pixels. 1 for identical content up to gain and
 * offset, about 0 for unrelated images.
 *
 * Returns NaN when fewer than 2 pixels overlap or either side is constant there.
 *
 * @param a reference pixels, axis order (z,) y, x
 * @param b moving pixels, same shape as `a`
 * @throws MetdbError 'shape-mismatch' when the shapes differ, 'invalid-argument' for a bad shift
 */
export function normalizedCrossCorrelation(
  a: NdArray,
  b: NdArray,
  options: NormalizedCrossCorrelationOptions = {},
): number {
  const { shape } = a;
  const ndim = shape.length;
  if (b.shape.length !== ndim || b.shape.some((n, k) => n !== shape[k])) {
    throw new MetdbError(
      'shape-mismatch',
      `normalizedCrossCorrelation: shapes [${shape.join(', ')}] and [${b.shape.join(', ')}] differ`,
      { details: { a: [...shape], b: [...b.shape] } },
    );
  }
  const shift = options.shift ?? new Array<number>(ndim).fill(0);
  const overlapOnly = options.overlapOnly ?? true;
  if (shift.length !== ndim || shift.some((s) => !Number.isFinite(s))) {
    throw new MetdbError(
      'invalid-argument',
      `normalizedCrossCorrelation: shift must have ${ndim} finite values, got [${shift.join(', ')}]`,
    );
  }
  // b'(p) = b(p - shift) = sum over corners c of w_c b(p + k + c), k = floor(-shift), f = frac.
  const k = shift.map((s) => Math.floor(-s));
  const f = shift.map((s, i) => -s - k[i]!);
  // Valid box for p along each axis: 0 <= p + k and p + k + (f > 0 ? 1 : 0) <= n - 1.
  const lo = k.map((ki) => (overlapOnly ? Math.max(0, -ki) : 0));
  const hi = shape.map((n, i) => (overlapOnly ? Math.min(n, n - k[i]! - (f[i]! > 0 ? 1 : 0)) : n));
  if (lo.some((l, i) => hi[i]! - l < 1)) return Number.NaN;
  const count = lo.reduce((p, l, i) => p * (hi[i]! - l), 1);
  if (count < 2) return Number.NaN;
  const strides = stridesOf(shape);
  const corners = cornerTaps(f, strides);
  const last = ndim - 1;
  const p = [...lo];
  const run = hi[last]! - lo[last]!;
  const kOffset = k.reduce((s, ki, i) => s + ki * strides[i]!, 0);
  const taps = corners.length;
  const tapOffset = Int32Array.from(corners, ([offset]) => offset + kOffset);
  const tapWeight = Float64Array.from(corners, ([, w]) => w);
  const bd = b.data;
  const ad = a.data;
  const [o0 = 0, o1 = 0, o2 = 0, o3 = 0] = tapOffset;
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = tapWeight;
  // One pass, no buffers: sums of the values about pivots (the first compared pair), which keeps
  // the sums of squares small enough for float64 whatever the offset of the data.
  const sums = new Float64Array(5); // a, b, aa, bb, ab
  const first = lo.reduce((s, l, i) => s + l * strides[i]!, 0);
  const unrolled = overlapOnly && (taps === 1 || taps === 2 || taps === 4);
  let pivotA = unrolled ? ad[first]! : Number.NaN;
  let pivotB = Number.NaN;
  if (taps === 4)
    pivotB = w0 * bd[first + o0]! + w1 * bd[first + o1]! + w2 * bd[first + o2]! + w3 * bd[first + o3]!;
  else if (taps === 2) pivotB = w0 * bd[first + o0]! + w1 * bd[first + o1]!;
  else if (taps === 1) pivotB = w0 * bd[first + o0]!;
  // Rows along the last axis (an odometer over the others), each a contiguous run in `a`.
  for (let j = 0; j < count; j += run) {
    let rowBase = 0;
    for (let i = 0; i < last; i++) rowBase += p[i]! * strides[i]!;
    const a0 = rowBase + lo[last]!;
    // 1, 2 or 4 taps (integer, one-axis and 2-D fractional shifts): one specialised loop per row.
    if (unrolled && taps === 4) rowSums4(ad, bd, a0, run, tapOffset, tapWeight, pivotA, pivotB, sums);
    else if (unrolled && taps === 2) rowSums2(ad, bd, a0, run, o0, o1, w0, w1, pivotA, pivotB, sums);
    else if (unrolled) rowSums1(ad, bd, a0, run, o0, w0, pivotA, pivotB, sums);
    else {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let x = 0; x < run; x++) {
        const ai = a0 + x;
        let bv = 0;
        if (overlapOnly) {
          for (let t = 0; t < taps; t++) bv += tapWeight[t]! * bd[ai + tapOffset[t]!]!;
        } else {
          p[last] = lo[last]! + x;
          for (const [, w, up] of corners) {
            let bi = 0;
            for (let i = 0; i < ndim; i++) {
              const n = shape[i]!;
              bi += ((((p[i]! + k[i]! + up[i]!) % n) + n) % n) * strides[i]!;
            }
            bv += w * bd[bi]!;
          }
        }
        if (Number.isNaN(pivotA)) {
          pivotA = ad[ai]!;
          pivotB = bv;
        }
        const da = ad[ai]! - pivotA;
        const db = bv - pivotB;
        sa += da;
        sb += db;
        saa += da * da;
        sbb += db * db;
        sab += da * db;
      }
      accumulate(sums, sa, sb, saa, sbb, sab);
    }
    for (let i = last - 1; i >= 0; i--) {
      if (++p[i]! < hi[i]!) break;
      p[i] = lo[i]!;
    }
  }
  return pearson(sums, count);
}

type Pixels = NdArray['data'];

function accumulate(sums: Float64Array, sa: number, sb: number, saa: number, sbb: number, sab: number): void {
  sums[0] = sums[0]! + sa;
  sums[1] = sums[1]! + sb;
  sums[2] = sums[2]! + saa;
  sums[3] = sums[3]! + sbb;
  sums[4] = sums[4]! + sab;
}

/** The sums of one row of `run` pixels from `a0`, `b` interpolated from 4 taps. */
function rowSums4(
  ad: Pixels,
  bd: Pixels,
  a0: number,
  run: number,
  offsets: Int32Array,
  weights: Float64Array,
  pivotA: number,
  pivotB: number,
  sums: Float64Array,
): void {
  const o0 = offsets[0]!;
  const o1 = offsets[1]!;
  const o2 = offsets[2]!;
  const o3 = offsets[3]!;
  const w0 = weights[0]!;
  const w1 = weights[1]!;
  const w2 = weights[2]!;
  const w3 = weights[3]!;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let ai = a0, end = a0 + run; ai < end; ai++) {
    const da = ad[ai]! - pivotA;
    const db = w0 * bd[ai + o0]! + w1 * bd[ai + o1]! + w2 * bd[ai + o2]! + w3 * bd[ai + o3]! - pivotB;
    sa += da;
    sb += db;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  accumulate(sums, sa, sb, saa, sbb, sab);
}

/** `rowSums4` with 2 taps. */
function rowSums2(
  ad: Pixels,
  bd: Pixels,
  a0: number,
  run: number,
  o0: number,
  o1: number,
  w0: number,
  w1: number,
  pivotA: number,
  pivotB: number,
  sums: Float64Array,
): void {
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let ai = a0, end = a0 + run; ai < end; ai++) {
    const da = ad[ai]! - pivotA;
    const db = w0 * bd[ai + o0]! + w1 * bd[ai + o1]! - pivotB;
    sa += da;
    sb += db;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  accumulate(sums, sa, sb, saa, sbb, sab);
}

/** `rowSums4` with 1 tap (an integer shift). */
function rowSums1(
  ad: Pixels,
  bd: Pixels,
  a0: number,
  run: number,
  o0: number,
  w0: number,
  pivotA: number,
  pivotB: number,
  sums: Float64Array,
): void {
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let ai = a0, end = a0 + run; ai < end; ai++) {
    const da = ad[ai]! - pivotA;
    const db = w0 * bd[ai + o0]! - pivotB;
    sa += da;
    sb += db;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  accumulate(sums, sa, sb, saa, sbb, sab);
}

/**
 * The 2^ndim multilinear-interpolation taps with a non-zero weight: flat offset, weight, and the
 * 0/1 step along each axis.
 */
function cornerTaps(f: readonly number[], strides: readonly number[]): [number, number, number[]][] {
  const ndim = f.length;
  const taps: [number, number, number[]][] = [];
  for (let c = 0; c < 1 << ndim; c++) {
    const up = f.map((_, i) => (c >> (ndim - 1 - i)) & 1);
    const w = up.reduce((p, u, i) => p * (u === 1 ? f[i]! : 1 - f[i]!), 1);
    if (w !== 0) taps.push([up.reduce((s, u, i) => s + u * strides[i]!, 0), w, up]);
  }
  return taps;
}

/** Pearson correlation from sums about pivots over n pairs (NaN if either side is constant). */
function pearson(s: Float64Array, n: number): number {
  const [a = 0, b = 0, aa = 0, bb = 0, ab = 0] = s;
  const saa = aa - (a * a) / n;
  const sbb = bb - (b * b) / n;
  const sab = ab - (a * b) / n;
  if (!(saa > 0) || !(sbb > 0)) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}
