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
  const rows: RowInputs = {
    a: a.data,
    b: b.data,
    offsets: taps.offsets.map((o) => o + kOffset),
    weights: taps.weights,
    steps: taps.steps,
  };
  const geometry: RowGeometry = { shape: Int32Array.from(shape), strides, lo, hi, k, count, overlapOnly };
  const sums = accumulateRows(rows, geometry);
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
 * What every row of one NCC reads: the pixels and `b`'s interpolation taps (offsets from the `a`
 * index, weights, and each tap's 0/1 step along each axis, for wrapped borders).
 */
interface RowInputs {
  readonly a: Pixels;
  readonly b: Pixels;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  readonly steps: Uint8Array;
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

type Pixels = NdArray['data'];

/**
 * The shifted `b` as `rowSums` reads it: b'(i) = sum over four taps t of
 * weights[t] * data[i + offsets[t]], the taps a shift does not use weighing 0 (which adds exact
 * zeros: the sum is the same to the bit).
 */
interface FourTaps {
  data: Pixels;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
}

/**
 * The sums a, b, aa, bb, ab of the values about the pivots (the first compared pair, taken by the
 * first row), which keeps the sums of squares small enough for float64 whatever the offset of the
 * data.
 */
interface PivotedSums {
  readonly sums: Float64Array;
  readonly pivots: Float64Array;
}

/**
 * The sums over the compared box, row by row along the last axis (an odometer over the others),
 * each a contiguous run in `a`. Within the valid overlap, up to four taps (every 2-D shift) are
 * read straight from `b`; other cases (3-D fractional shifts, wrapped borders) interpolate each
 * row of `b` into a buffer first and read that through one tap.
 */
function accumulateRows(rows: RowInputs, g: RowGeometry): Float64Array {
  const { strides, lo, hi, count, overlapOnly } = g;
  const ndim = strides.length;
  const last = ndim - 1;
  // int32 indices: a float64 one (lo and hi are Float64Array) made every pixel access of the row
  // loops convert it, twice as slow.
  const p = Int32Array.from(lo);
  const run = (hi[last]! - lo[last]!) | 0;
  const direct = overlapOnly && rows.offsets.length <= 4;
  const line = direct ? undefined : new Float64Array(run);
  const taps: FourTaps = direct
    ? { data: rows.b, offsets: new Int32Array(4), weights: new Float64Array(4) }
    : { data: line!, offsets: new Int32Array(4), weights: Float64Array.of(1, 0, 0, 0) };
  if (direct) {
    taps.offsets.fill(rows.offsets[0]!).set(rows.offsets);
    taps.weights.set(rows.weights);
  }
  const acc: PivotedSums = { sums: new Float64Array(5), pivots: Float64Array.of(Number.NaN, Number.NaN) };
  for (let j = 0; j < count; j += run) {
    let rowBase = 0;
    for (let i = 0; i < last; i++) rowBase += p[i]! * strides[i]!;
    const start = (rowBase + lo[last]!) | 0;
    if (line !== undefined) {
      interpolateRow(rows, g, p, start, line);
      taps.offsets.fill(-start);
    }
    rowSums(rows.a, start, run, taps, acc);
    for (let i = last - 1; i >= 0; i--) {
      if (++p[i]! < hi[i]!) break;
      p[i] = lo[i]!;
    }
  }
  return acc.sums;
}

/** Adds the sums of the row of `run` pixels of `a` from `a0` and `b` read through `taps`. */
function rowSums(a: Pixels, a0: number, run: number, taps: FourTaps, acc: PivotedSums): void {
  const { data: bd, offsets, weights } = taps;
  const { sums, pivots } = acc;
  const o0 = offsets[0]!;
  const o1 = offsets[1]!;
  const o2 = offsets[2]!;
  const o3 = offsets[3]!;
  const w0 = weights[0]!;
  const w1 = weights[1]!;
  const w2 = weights[2]!;
  const w3 = weights[3]!;
  if (Number.isNaN(pivots[0]!)) {
    pivots[0] = a[a0]!;
    pivots[1] = w0 * bd[a0 + o0]! + w1 * bd[a0 + o1]! + w2 * bd[a0 + o2]! + w3 * bd[a0 + o3]!;
  }
  const pivotA = pivots[0]!;
  const pivotB = pivots[1]!;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let ai = a0, end = a0 + run; ai < end; ai++) {
    const da = a[ai]! - pivotA;
    const db = w0 * bd[ai + o0]! + w1 * bd[ai + o1]! + w2 * bd[ai + o2]! + w3 * bd[ai + o3]! - pivotB;
    sa += da;
    sb += db;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  sums[0] = sums[0]! + sa;
  sums[1] = sums[1]! + sb;
  sums[2] = sums[2]! + saa;
  sums[3] = sums[3]! + sbb;
  sums[4] = sums[4]! + sab;
}

/**
 * The row of `b` shifted, from `a0` (at position `p`, whose last index this moves) into `line`:
 * any number of taps, within the overlap or with the borders wrapped (`b` periodic).
 */
function interpolateRow(
  rows: RowInputs,
  g: RowGeometry,
  p: Int32Array,
  a0: number,
  line: Float64Array,
): void {
  const { b, offsets, weights, steps } = rows;
  const { shape, strides, lo, k, overlapOnly } = g;
  const ndim = shape.length;
  const last = ndim - 1;
  const taps = offsets.length;
  for (let x = 0; x < line.length; x++) {
    let v = 0;
    if (overlapOnly) {
      for (let t = 0; t < taps; t++) v += weights[t]! * b[a0 + x + offsets[t]!]!;
    } else {
      p[last] = lo[last]! + x;
      for (let t = 0; t < taps; t++) {
        let bi = 0;
        for (let i = 0; i < ndim; i++) {
          const n = shape[i]!;
          bi += ((((p[i]! + k[i]! + steps[t * ndim + i]!) % n) + n) % n) * strides[i]!;
        }
        v += weights[t]! * b[bi]!;
      }
    }
    line[x] = v;
  }
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
