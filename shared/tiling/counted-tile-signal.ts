import type { NdArray } from '../ndarray/ndarray.js';

/**
 * `tileSignal` for 8- and 16-bit tiles (nearly every camera tile), with the same figures and a
 * sixth of the work: the pixels are counted straight into a table indexed by value (no copy of
 * the samples), the clamped standard deviation is summed from that table (from the pixels when
 * the table has more bins than samples), and the first differences are counted as they are
 * formed, visiting only the sampled pairs (no array of differences); the median absolute
 * deviation comes from the table of differences, bin by bin. The samples, strides and order
 * statistics are those of `tileSignal`'s general path, so the noise is the same to the last bit;
 * the standard deviation may differ in its last bits (summed by value, not by pixel).
 *
 * @returns the figures, or undefined when a table would be too large (differences of a wide
 *   16-bit range whose median is a half): the general path handles that tile
 */
export function countedTileSignal(
  tile: NdArray<Uint8Array | Uint16Array>,
  maxSamples: number,
  maxBins: number,
): { signal: number; std: number; noise: number } | undefined {
  const { data, shape } = tile;
  const stride = Math.max(1, Math.ceil(data.length / maxSamples));
  const values = tables.values;
  const range = countValues(data, stride, values);
  const n = range.count;
  const [lo = 0, hi = 0] = quantilesOfCounts(values, range.min, range.max, 0, 1, n, [0.005, 0.995]);
  // From the table when it has fewer bins than samples (a camera tile: a few hundred to a few
  // thousand grey levels for 16384 samples), else from the pixels.
  const std =
    range.max - range.min < n
      ? countedClampedStd(values, range.min, range.max, n, lo, hi)
      : stridedClampedStd(data, stride, lo, hi);
  values.fill(0, range.min, range.max + 1);
  const noise = Math.max(
    differenceNoise(data, shape, range.max - range.min, maxSamples, maxBins),
    1 / Math.sqrt(12),
  );
  if (Number.isNaN(noise)) return undefined;
  const signal = std === 0 ? 0 : Math.max(0, (std * std) / (noise * noise) - 1);
  return { signal, std, noise };
}

/**
 * Count tables, kept zeroed between calls (each user clears the bins it filled): values (8/16-bit
 * pixels), differences of such pixels (offset by the pixel range), deviations from their median.
 */
const tables = {
  values: new Int32Array(1 << 16),
  differences: new Int32Array(1 << 17),
  deviations: new Int32Array(0),
};

/** Counts every `stride`-th pixel into `counts` (indexed by value); their range and number. */
function countValues(
  data: Uint8Array | Uint16Array,
  stride: number,
  counts: Int32Array,
): { min: number; max: number; count: number } {
  let min = 65535;
  let max = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += stride, count++) {
    const v = data[i]!;
    counts[v]!++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, count };
}

/**
 * Linear-interpolated quantiles `qs` (ascending, numpy's default method) of the `n` values counted
 * in `counts[first..last]`, where bin b stands for the value (b - offset) / scale: the order
 * statistics of ranks floor(q (n - 1)) and the next, found in one walk over the bins.
 */
export function quantilesOfCounts(
  counts: Int32Array,
  first: number,
  last: number,
  offset: number,
  scale: number,
  n: number,
  qs: readonly number[],
): number[] {
  const ranks: number[] = [];
  for (const q of qs) {
    const lo = Math.floor(q * (n - 1));
    ranks.push(lo, Math.min(lo + 1, n - 1));
  }
  const at = new Array<number>(ranks.length);
  let seen = 0;
  let bin = first;
  for (let r = 0; r < ranks.length; r++) {
    // Ranks ascend: the walk goes on from where the last one stopped.
    while (bin < last && seen + counts[bin]! <= ranks[r]!) seen += counts[bin++]!;
    at[r] = (bin - offset) / scale;
  }
  return qs.map((q, k) => {
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const value = at[2 * k]!;
    return pos === lo ? value : value + (pos - lo) * (at[2 * k + 1]! - value);
  });
}

/**
 * `stridedClampedStd` from the table of the same samples (`counts[v]` samples of value v, v in
 * [first, last], n in all): the same two sums, bin by bin instead of pixel by pixel. The sum of
 * the clamped values is exact either way when lo and hi are whole; the sum of squares may differ
 * from the pixel order's in its last bits (about 1e-16 relative).
 */
function countedClampedStd(
  counts: Int32Array,
  first: number,
  last: number,
  n: number,
  lo: number,
  hi: number,
): number {
  let sum = 0;
  for (let v = first; v <= last; v++) {
    const c = counts[v]!;
    if (c !== 0) sum += c * Math.min(hi, Math.max(lo, v));
  }
  const mean = sum / n;
  let ss = 0;
  for (let v = first; v <= last; v++) {
    const c = counts[v]!;
    if (c === 0) continue;
    const d = Math.min(hi, Math.max(lo, v)) - mean;
    ss += c * (d * d);
  }
  return Math.sqrt(ss / n);
}

/** Standard deviation of every `stride`-th pixel clamped to [lo, hi]: `clampedStd`'s sums, in place. */
function stridedClampedStd(data: Uint8Array | Uint16Array, stride: number, lo: number, hi: number): number {
  let mean = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += stride, count++) mean += Math.min(hi, Math.max(lo, data[i]!));
  mean /= count;
  let ss = 0;
  for (let i = 0; i < data.length; i += stride) ss += (Math.min(hi, Math.max(lo, data[i]!)) - mean) ** 2;
  return Math.sqrt(ss / count);
}

/**
 * 1.4826 MAD / sqrt(2) of the first differences along every axis longer than 1 (0 if none), the
 * same pairs as `firstDifferences` (every stride-th one above `maxSamples`). NaN when the table
 * of deviations would pass `maxBins`.
 */
function differenceNoise(
  data: Uint8Array | Uint16Array,
  shape: readonly number[],
  span: number,
  maxSamples: number,
  maxBins: number,
): number {
  const n = data.length;
  const total = shape.reduce((t, len) => t + (n / len) * (len - 1), 0);
  if (total === 0) return 0;
  const stride = Math.max(1, Math.ceil(total / maxSamples));
  const counts = tables.differences;
  const range = { min: span, max: -span, count: 0 };
  let step = 1;
  let phase = 0;
  for (let a = shape.length - 1; a >= 0; a--) {
    const len = shape[a]!;
    if (len > 1) phase = countAxisDifferences(data, step, len, span, stride, phase, counts, range);
    step *= len;
  }
  // Bin b holds the difference b - span.
  const first = range.min + span;
  const last = range.max + span;
  const [median = 0] = quantilesOfCounts(counts, first, last, span, 1, range.count, [0.5]);
  // Deviations of integers from a median of integers: integers, or halves of integers.
  const scale = Number.isInteger(median) ? 1 : 2;
  const bins = Math.max(Math.abs(range.min - median), Math.abs(range.max - median)) * scale + 1;
  let mad = Number.NaN;
  if (bins <= maxBins) {
    if (tables.deviations.length < bins) tables.deviations = new Int32Array(maxBins);
    const deviations = tables.deviations;
    const spread = countDeviations(counts, first, last, span, median, scale, deviations);
    [mad = 0] = quantilesOfCounts(deviations, spread.min, spread.max, 0, scale, range.count, [0.5]);
    deviations.fill(0, spread.min, spread.max + 1);
  }
  counts.fill(0, first, last + 1);
  return (1.4826 * mad) / Math.SQRT2;
}

/**
 * Counts the pairs (i, i + step) inside each block of `step * len` pixels (one axis), in memory
 * order, keeping pair p when (phase + p) % stride === 0; returns the phase for the next axis.
 */
function countAxisDifferences(
  data: Uint8Array | Uint16Array,
  step: number,
  len: number,
  span: number,
  stride: number,
  start: number,
  counts: Int32Array,
  range: { min: number; max: number; count: number },
): number {
  const n = data.length;
  const block = step * len;
  let phase = start;
  let { min, max, count } = range;
  for (let base = 0; base < n; base += block) {
    // The pairs i in [base, end) are kept where (phase + i - base) % stride === 0: straight to them.
    const end = base + block - step;
    for (let i = base + (phase === 0 ? 0 : stride - phase); i < end; i += stride) {
      const d = data[i + step]! - data[i]!;
      counts[d + span]!++;
      count++;
      if (d < min) min = d;
      if (d > max) max = d;
    }
    phase = (phase + end - base) % stride;
  }
  range.min = min;
  range.max = max;
  range.count = count;
  return phase;
}

/**
 * The table of |d - median| * scale from the table of differences d (bin b: d = b - span), and
 * the range of its bins.
 */
function countDeviations(
  counts: Int32Array,
  first: number,
  last: number,
  span: number,
  median: number,
  scale: number,
  deviations: Int32Array,
): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let b = first; b <= last; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    const bin = Math.abs(b - span - median) * scale;
    deviations[bin]! += c;
    if (bin < min) min = bin;
    if (bin > max) max = bin;
  }
  return { min, max };
}
