import type { NdArray } from '../imaging/ndarray.js';

/**
 * `tileSignal` for 8- and 16-bit tiles (nearly every camera tile), with the same figures to the
 * last bit and a third of the work: the pixels are counted straight into a table indexed by value
 * (no copy of the samples), the clamped standard deviation reads the pixels in place, and the
 * first differences are counted as they are formed (no array of differences); the median absolute
 * deviation comes from the table of differences, bin by bin. The samples, strides, order
 * statistics and sums are those of `tileSignal`'s general path, in the same order.
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
  values.fill(0, range.min, range.max + 1);
  const std = stridedClampedStd(data, stride, lo, hi);
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
    for (let i = base, end = base + block - step; i < end; i++) {
      if (phase === 0) {
        const d = data[i + step]! - data[i]!;
        counts[d + span]!++;
        count++;
        if (d < min) min = d;
        if (d > max) max = d;
      }
      if (++phase === stride) phase = 0;
    }
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
