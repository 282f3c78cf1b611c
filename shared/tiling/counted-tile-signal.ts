import type { NdArray } from '../ndarray/ndarray.js';
import type { CountTables } from './tile-signal-workspace.js';

/** Limits and buffers of `countedTileSignal`. */
export interface CountedTileSignalInput {
  /** At most this many samples enter each order statistic (a fixed stride above it). */
  readonly maxSamples: number;
  /** At most this many bins in the table of deviations. */
  readonly maxBins: number;
  /** The count tables, zeroed, left zeroed. */
  readonly tables: CountTables;
}

/**
 * Values counted in a table: `counts[first..last]` hold `n` values, bin b standing for the value
 * (b - offset) / scale.
 */
export interface CountedValues {
  readonly counts: Int32Array;
  readonly first: number;
  readonly last: number;
  readonly offset: number;
  readonly scale: number;
  readonly n: number;
}

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
  input: CountedTileSignalInput,
): { signal: number; std: number; noise: number } | undefined {
  const { data } = tile;
  const stride = Math.max(1, Math.ceil(data.length / input.maxSamples));
  const values = input.tables.values;
  const range = countValues(data, stride, values);
  const n = range.count;
  const table = { counts: values, first: range.min, last: range.max, offset: 0, scale: 1, n };
  const [lo = 0, hi = 0] = quantilesOfCounts(table, [0.005, 0.995]);
  // From the table when it has fewer bins than samples (a camera tile: a few hundred to a few
  // thousand grey levels for 16384 samples), else from the pixels.
  const std =
    range.max - range.min < n ? countedClampedStd(table, lo, hi) : stridedClampedStd(data, stride, lo, hi);
  values.fill(0, range.min, range.max + 1);
  const noise = Math.max(differenceNoise(tile, range.max - range.min, input), 1 / Math.sqrt(12));
  if (Number.isNaN(noise)) return undefined;
  const signal = std === 0 ? 0 : Math.max(0, (std * std) / (noise * noise) - 1);
  return { signal, std, noise };
}

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
 * Linear-interpolated quantiles `qs` (ascending, numpy's default method) of counted values: the
 * order statistics of ranks floor(q (n - 1)) and the next, found in one walk over the bins.
 */
export function quantilesOfCounts(table: CountedValues, qs: readonly number[]): number[] {
  const { counts, first, last, offset, scale, n } = table;
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
 * `stridedClampedStd` from the table of the same samples (offset 0, scale 1: `counts[v]` samples
 * of value v): the same two sums, bin by bin instead of pixel by pixel. The sum of the clamped
 * values is exact either way when lo and hi are whole; the sum of squares may differ from the
 * pixel order's in its last bits (about 1e-16 relative).
 */
function countedClampedStd(table: CountedValues, lo: number, hi: number): number {
  const { counts, first, last, n } = table;
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
  tile: NdArray<Uint8Array | Uint16Array>,
  span: number,
  { maxSamples, maxBins, tables }: CountedTileSignalInput,
): number {
  const { data, shape } = tile;
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
    if (len > 1) phase = countAxisDifferences(data, { step, len, span, stride }, phase, counts, range);
    step *= len;
  }
  // Bin b holds the difference b - span.
  const first = range.min + span;
  const last = range.max + span;
  const differences = { counts, first, last, offset: span, scale: 1, n: range.count };
  const [median = 0] = quantilesOfCounts(differences, [0.5]);
  // Deviations of integers from a median of integers: integers, or halves of integers.
  const scale = Number.isInteger(median) ? 1 : 2;
  const bins = Math.max(Math.abs(range.min - median), Math.abs(range.max - median)) * scale + 1;
  let mad = Number.NaN;
  if (bins <= maxBins) {
    if (tables.deviations.length < bins) tables.deviations = new Int32Array(maxBins);
    const deviations = tables.deviations;
    const spread = countDeviations(differences, median, scale, deviations);
    const table = {
      counts: deviations,
      first: spread.min,
      last: spread.max,
      offset: 0,
      scale,
      n: range.count,
    };
    [mad = 0] = quantilesOfCounts(table, [0.5]);
    deviations.fill(0, spread.min, spread.max + 1);
  }
  counts.fill(0, first, last + 1);
  return (1.4826 * mad) / Math.SQRT2;
}

/** One axis's pairs for `countAxisDifferences`. */
interface AxisPairs {
  /** Distance between the two pixels of a pair (the axis's stride). */
  readonly step: number;
  /** Length of the axis. */
  readonly len: number;
  /** Offset of the differences in the table (the pixel range). */
  readonly span: number;
  /** Every stride-th pair is counted. */
  readonly stride: number;
}

/**
 * Counts the pairs (i, i + step) inside each block of `step * len` pixels (one axis), in memory
 * order, keeping pair p when (start + p) % stride === 0; returns the phase for the next axis.
 */
function countAxisDifferences(
  data: Uint8Array | Uint16Array,
  axis: AxisPairs,
  start: number,
  counts: Int32Array,
  range: { min: number; max: number; count: number },
): number {
  const { step, len, span, stride } = axis;
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
 * The table of |d - median| * scale from the table of differences d (bin b: d = b - offset), and
 * the range of its bins.
 */
function countDeviations(
  differences: CountedValues,
  median: number,
  scale: number,
  deviations: Int32Array,
): { min: number; max: number } {
  const { counts, first, last, offset: span } = differences;
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
