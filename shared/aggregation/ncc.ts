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
  const sums = { a: 0, b: 0, aa: 0, bb: 0, ab: 0 };
  let pivotA = Number.NaN;
  let pivotB = Number.NaN;
  // Rows along the last axis (an odometer over the others), each a contiguous run in `a`.
  for (let j = 0; j < count; j += run) {
    let rowBase = 0;
    for (let i = 0; i < last; i++) rowBase += p[i]! * strides[i]!;
    let sa = 0;
    let sb = 0;
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    for (let x = 0; x < run; x++) {
      const ai = rowBase + lo[last]! + x;
      let bv = 0;
      // 1, 2 or 4 taps (integer, one-axis and 2-D fractional shifts) unrolled.
      if (overlapOnly && taps === 4) {
        bv = w0 * bd[ai + o0]! + w1 * bd[ai + o1]! + w2 * bd[ai + o2]! + w3 * bd[ai + o3]!;
      } else if (overlapOnly && taps === 2) {
        bv = w0 * bd[ai + o0]! + w1 * bd[ai + o1]!;
      } else if (overlapOnly && taps === 1) {
        bv = w0 * bd[ai + o0]!;
      } else if (overlapOnly) {
        for (let t = 0; t < taps; t++) bv += tapWeight[t]! * b.data[ai + tapOffset[t]!]!;
      } else {
        p[last] = lo[last]! + x;
        for (const [, w, up] of corners) {
          let bi = 0;
          for (let i = 0; i < ndim; i++) {
            const n = shape[i]!;
            bi += ((((p[i]! + k[i]! + up[i]!) % n) + n) % n) * strides[i]!;
          }
          bv += w * b.data[bi]!;
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
    sums.a += sa;
    sums.b += sb;
    sums.aa += saa;
    sums.bb += sbb;
    sums.ab += sab;
    for (let i = last - 1; i >= 0; i--) {
      if (++p[i]! < hi[i]!) break;
      p[i] = lo[i]!;
    }
  }
  return pearson(sums, count);
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
function pearson(s: { a: number; b: number; aa: number; bb: number; ab: number }, n: number): number {
  const saa = s.aa - (s.a * s.a) / n;
  const sbb = s.bb - (s.b * s.b) / n;
  const sab = s.ab - (s.a * s.b) / n;
  if (!(saa > 0) || !(sbb > 0)) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}
