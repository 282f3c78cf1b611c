import { splinePrefilter } from './spline/spline-prefilter.js';

/** The box of pixels lo..hi (inclusive) along every axis. */
export interface Box {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** Calls `body(axis, length, inner)` for every axis, `inner` the product of the later axes' lengths. */
export function forEachAxis(
  shape: readonly number[],
  body: (axis: number, n: number, inner: number) => void,
): void {
  let inner = shape.reduce((p, n) => p * n, 1);
  shape.forEach((n, axis) => {
    inner /= n;
    body(axis, n, inner);
  });
}

/**
 * Calls `body(flat index of the row's first pixel, the row's leading indices)` for every row (last
 * axis) of the box.
 */
export function forEachRow(
  shape: readonly number[],
  box: Box,
  body: (rowStart: number, index: readonly number[]) => void,
): void {
  const ndim = shape.length;
  const n = shape[ndim - 1]!;
  if (ndim === 1) {
    body(0, []);
    return;
  }
  const index = box.lo.slice(0, -1);
  for (;;) {
    let row = 0;
    for (let a = 0; a < ndim - 1; a++) row = row * shape[a]! + index[a]!;
    body(row * n, index);
    let a = ndim - 2;
    while (a >= 0 && index[a] === box.hi[a]) {
      index[a] = box.lo[a]!;
      a--;
    }
    if (a < 0) return;
    index[a]!++;
  }
}

/**
 * In place along one axis (length n, stride `inner`), periodic: out[k] = sum_j w[j] in[k + first + j].
 */
export function convolveAxis(
  data: Float64Array,
  { n, inner }: { readonly n: number; readonly inner: number },
  { weights, first }: { readonly weights: Float64Array; readonly first: number },
  { scratch, line }: { readonly scratch: Float64Array; readonly line: Float64Array },
): void {
  const taps = weights.length;
  const offset = ((first % n) + n) % n;
  if (inner === 1) {
    for (let base = 0; base < data.length; base += n) convolveRow(data, base, n, weights, offset, line);
    return;
  }
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const dst = base + k * inner;
      let row = (offset + k) % n;
      scaleLine(data, base + row * inner, scratch, dst, inner, weights[0]!);
      for (let j = 1; j < taps; j++) {
        row = row + 1 === n ? 0 : row + 1;
        addLine(data, base + row * inner, scratch, dst, inner, weights[j]!);
      }
    }
    data.set(scratch.subarray(base, base + n * inner), base);
  }
}

function scaleLine(
  src: Float64Array,
  from: number,
  dst: Float64Array,
  to: number,
  count: number,
  w: number,
): void {
  for (let t = 0; t < count; t++) dst[to + t] = w * src[from + t]!;
}

function addLine(
  src: Float64Array,
  from: number,
  dst: Float64Array,
  to: number,
  count: number,
  w: number,
): void {
  for (let t = 0; t < count; t++) dst[to + t]! += w * src[from + t]!;
}

/** One contiguous row of `convolveAxis`, through `line` (the row from `offset`, periodic). */
function convolveRow(
  data: Float64Array,
  base: number,
  n: number,
  weights: Float64Array,
  offset: number,
  line: Float64Array,
): void {
  const taps = weights.length;
  let src = offset;
  for (let k = 0; k < n + taps - 1; k++) {
    line[k] = data[base + src]!;
    src = src + 1 === n ? 0 : src + 1;
  }
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) sum += weights[j]! * line[k + j]!;
    data[base + k] = sum;
  }
}

/** The periodic cubic B-spline prefilter along one axis, in place. */
export function prefilterAxis(data: Float64Array, n: number, inner: number): void {
  const acc = new Float64Array(inner);
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    splinePrefilter(data.subarray(o * n * inner, (o + 1) * n * inner), n, inner, 'wrap', acc);
  }
}

/** Central differences along `axis`, periodic (into `out` when given). */
export function gradient(
  data: Float64Array,
  shape: readonly number[],
  axis: number,
  out: Float64Array,
): Float64Array {
  const n = shape[axis]!;
  if (n < 3) {
    out.fill(0);
    return out;
  }
  const inner = shape.slice(axis + 1).reduce((p, m) => p * m, 1);
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const up = base + ((k + 1) % n) * inner;
      const down = base + ((k + n - 1) % n) * inner;
      const at = base + k * inner;
      for (let t = 0; t < inner; t++) out[at + t] = 0.5 * (data[up + t]! - data[down + t]!);
    }
  }
  return out;
}
