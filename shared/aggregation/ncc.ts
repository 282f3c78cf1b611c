import { MetdbError } from '../errors/metdb-error.js';
import { stridesOf, type NdArray } from '../ndarray/ndarray.js';

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
  const given = options.shift ?? new Array<number>(ndim).fill(0);
  const overlapOnly = options.overlapOnly ?? true;
  if (given.length !== ndim || given.some((s) => !Number.isFinite(s))) {
    throw new MetdbError(
      'invalid-argument',
      `normalizedCrossCorrelation: shift must have ${ndim} finite values, got [${given.join(', ')}]`,
    );
  }
  // Typed arrays from here on: plain arrays of numbers change their element kind with the values
  // (small integers or doubles), and V8 recompiled this function each time it met another one.
  const box = overlapBox(shape, given, overlapOnly);
  if (box === undefined) return Number.NaN;
  const { k, f, lo, hi, strides, count } = box;
  const taps = cornerTaps(f, strides);
  let kOffset = 0;
  for (let i = 0; i < ndim; i++) kOffset += k[i]! * strides[i]!;
  const tapOffset = taps.offsets.map((o) => o + kOffset);
  const tapWeight = taps.weights;
  const sums = new Float64Array(5); // a, b, aa, bb, ab
  const pivots = Float64Array.of(Number.NaN, Number.NaN); // a, b
  // One pass, no buffers: sums of the values about pivots (the first compared pair), which keeps
  // the sums of squares small enough for float64 whatever the offset of the data.
  const unrolled =
    overlapOnly && (tapOffset.length === 1 || tapOffset.length === 2 || tapOffset.length === 4);
  if (unrolled) {
    let first = 0;
    for (let i = 0; i < ndim; i++) first += lo[i]! * strides[i]!;
    const bd = b.data;
    pivots[0] = a.data[first]!;
    let pivotB = 0;
    for (let t = 0; t < tapOffset.length; t++) pivotB += tapWeight[t]! * bd[first + tapOffset[t]!]!;
    pivots[1] = pivotB;
  }
  const geometry: RowGeometry = { shape: Int32Array.from(shape), strides, lo, hi, k, count, overlapOnly };
  const rows: RowInputs = { a: a.data, b: b.data, offsets: tapOffset, weights: tapWeight, pivots, sums };
  accumulateRows(rows, geometry, taps.steps, unrolled);
  return pearson(sums, count);
}

/** Where the shifted `b` is compared with `a`, as typed arrays (see `normalizedCrossCorrelation`). */
interface OverlapBox {
  /** floor(-shift) and the fractional part -shift - k, per axis. */
  readonly k: Float64Array;
  readonly f: Float64Array;
  /** The compared positions p of `a`: lo <= p < hi per axis. */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly strides: Int32Array;
  readonly count: number;
}

/** The compared box for `shift`, or undefined when fewer than 2 pixels are compared. */
function overlapBox(
  shape: readonly number[],
  shift: readonly number[],
  overlapOnly: boolean,
): OverlapBox | undefined {
  const ndim = shape.length;
  // b'(p) = b(p - shift) = sum over corners c of w_c b(p + k + c), k = floor(-shift), f = frac.
  // float64, not int32: a shift far outside the image must not wrap around.
  const k = new Float64Array(ndim);
  const f = new Float64Array(ndim);
  const lo = new Float64Array(ndim);
  const hi = new Float64Array(ndim);
  const strides = Int32Array.from(stridesOf(shape));
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const s = shift[i]!;
    const ki = Math.floor(-s);
    const n = shape[i]!;
    k[i] = ki;
    f[i] = -s - ki;
    // Valid box for p along each axis: 0 <= p + k and p + k + (f > 0 ? 1 : 0) <= n - 1.
    lo[i] = overlapOnly ? Math.max(0, -ki) : 0;
    hi[i] = overlapOnly ? Math.min(n, n - ki - (f[i]! > 0 ? 1 : 0)) : n;
    if (hi[i]! - lo[i]! < 1) return undefined;
    count *= hi[i]! - lo[i]!;
  }
  return count < 2 ? undefined : { k, f, lo, hi, strides, count };
}

/**
 * What every row of one NCC reads and where it adds its sums: the pixels, `b`'s interpolation
 * taps (offsets from the `a` index, and weights), the pivots (a, b) and the five sums.
 */
interface RowInputs {
  readonly a: Pixels;
  readonly b: Pixels;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  readonly pivots: Float64Array;
  readonly sums: Float64Array;
}

interface RowGeometry {
  readonly shape: Int32Array;
  readonly strides: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly k: Float64Array;
  readonly count: number;
  readonly overlapOnly: boolean;
}

/**
 * The sums over the compared box, row by row along the last axis (an odometer over the others),
 * each a contiguous run in `a`: 1, 2 or 4 taps (integer, one-axis and 2-D fractional shifts) with
 * one specialised loop per row, any other case through `generalRow`.
 */
function accumulateRows(rows: RowInputs, g: RowGeometry, steps: Uint8Array, unrolled: boolean): void {
  const { strides, lo, hi, count } = g;
  const ndim = strides.length;
  const last = ndim - 1;
  const p = Int32Array.from(lo);
  // int32 from here: a float64 index (lo and hi are Float64Array) made every pixel access of the
  // row loops convert it, twice as slow.
  const run = (hi[last]! - lo[last]!) | 0;
  const taps = rows.offsets.length;
  for (let j = 0; j < count; j += run) {
    let rowBase = 0;
    for (let i = 0; i < last; i++) rowBase += p[i]! * strides[i]!;
    const start = (rowBase + lo[last]!) | 0;
    if (unrolled && taps === 4) rowSums4(rows, start, run);
    else if (unrolled && taps === 2) rowSums2(rows, start, run);
    else if (unrolled) rowSums1(rows, start, run);
    else generalRow(rows, g, p, start, run, steps);
    for (let i = last - 1; i >= 0; i--) {
      if (++p[i]! < hi[i]!) break;
      p[i] = lo[i]!;
    }
  }
}

/**
 * One row of any number of taps, or with the borders wrapped (`overlapOnly` false: `b` periodic).
 * The pivots are the first compared pair, taken here when not set.
 */
function generalRow(
  rows: RowInputs,
  g: RowGeometry,
  p: Int32Array,
  a0: number,
  run: number,
  steps: Uint8Array,
): void {
  const { a: ad, b: bd, offsets: tapOffset, weights: tapWeight, pivots, sums } = rows;
  const { shape, strides, lo, k, overlapOnly } = g;
  const ndim = shape.length;
  const last = ndim - 1;
  const taps = tapOffset.length;
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
      for (let t = 0; t < taps; t++) {
        let bi = 0;
        for (let i = 0; i < ndim; i++) {
          const n = shape[i]!;
          bi += ((((p[i]! + k[i]! + steps[t * ndim + i]!) % n) + n) % n) * strides[i]!;
        }
        bv += tapWeight[t]! * bd[bi]!;
      }
    }
    if (Number.isNaN(pivots[0]!)) {
      pivots[0] = ad[ai]!;
      pivots[1] = bv;
    }
    const da = ad[ai]! - pivots[0]!;
    const db = bv - pivots[1]!;
    sa += da;
    sb += db;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  accumulate(sums, sa, sb, saa, sbb, sab);
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
function rowSums4(rows: RowInputs, a0: number, run: number): void {
  const { a: ad, b: bd, offsets, weights, sums } = rows;
  const pivotA = rows.pivots[0]!;
  const pivotB = rows.pivots[1]!;
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
function rowSums2(rows: RowInputs, a0: number, run: number): void {
  const { a: ad, b: bd, sums } = rows;
  const o0 = rows.offsets[0]!;
  const o1 = rows.offsets[1]!;
  const w0 = rows.weights[0]!;
  const w1 = rows.weights[1]!;
  const pivotA = rows.pivots[0]!;
  const pivotB = rows.pivots[1]!;
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
function rowSums1(rows: RowInputs, a0: number, run: number): void {
  const { a: ad, b: bd, sums } = rows;
  const o0 = rows.offsets[0]!;
  const w0 = rows.weights[0]!;
  const pivotA = rows.pivots[0]!;
  const pivotB = rows.pivots[1]!;
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
 * The 2^ndim multilinear-interpolation taps with a non-zero weight: flat offsets, weights, and
 * the 0/1 step along each axis of each tap (`steps[t * ndim + i]`).
 */
function cornerTaps(
  f: Float64Array,
  strides: Int32Array,
): { offsets: Int32Array; weights: Float64Array; steps: Uint8Array } {
  const ndim = f.length;
  const offsets: number[] = [];
  const weights: number[] = [];
  const steps: number[] = [];
  for (let c = 0; c < 1 << ndim; c++) {
    let w = 1;
    let offset = 0;
    for (let i = 0; i < ndim; i++) {
      const up = (c >> (ndim - 1 - i)) & 1;
      w *= up === 1 ? f[i]! : 1 - f[i]!;
      offset += up * strides[i]!;
    }
    if (w === 0) continue;
    offsets.push(offset);
    weights.push(w);
    for (let i = 0; i < ndim; i++) steps.push((c >> (ndim - 1 - i)) & 1);
  }
  return {
    offsets: Int32Array.from(offsets),
    weights: Float64Array.from(weights),
    steps: Uint8Array.from(steps),
  };
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
