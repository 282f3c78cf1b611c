import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import type { ScratchFloat64 } from '../registration/scratch-array.js';
import { selectKth } from '../registration/preprocess/select-kth.js';
import { countedTileSignal, quantilesOfCounts } from './counted-tile-signal.js';
import { TileSignalWorkspace } from './tile-signal-workspace.js';

/** Robust texture figures of one tile; intensities in the tile's own units. */
export interface TileSignal {
  /**
   * Dimensionless signal-to-noise ratio: the variance of the tile in excess of its pixel noise,
   * over the noise variance, `max(0, std^2 / noise^2 - 1)`. Scale- and offset-free. About 0 for
   * a tile of pure (white) noise or a constant tile, about 0.2-0.5 for texture at the pixel scale
   * (electron microscopy), 1 to 1000 for ordinary light-microscopy structure.
   */
  readonly signal: number;
  /** Standard deviation of the pixel values, winsorised at the 0.5 and 99.5 percentiles. */
  readonly std: number;
  /**
   * Pixel noise standard deviation, 1.4826 MAD(d) / sqrt(2) over the first differences d along
   * every axis longer than 1 (Donoho-Johnstone's MAD estimator on the finest scale: the median
   * ignores the minority of differences across edges). Floored at the quantisation noise
   * 1/sqrt(12) for integer pixel types, 1e-9 of the std for floating point.
   */
  readonly noise: number;
}

/**
 * Below this `signal` a tile counts as flat: pure white noise scores below 0.02 on a 32x32 tile
 * (the winsorised std is slightly low, so noise mostly scores 0), so 0.1 flags noise-only and
 * constant tiles while keeping pixel-scale texture (EM bricks score 0.2 to 1) and anything with
 * visible structure.
 */
export const DEFAULT_MIN_TILE_SIGNAL = 0.1;

/** At most this many samples enter each order statistic (a fixed, deterministic stride above it). */
const MAX_SAMPLES = 1 << 14;

/**
 * Measures how much spatially coherent signal a tile has relative to its pixel noise, to skip or
 * down-weight flat tiles before a phase correlation. Deterministic and cheap (histograms of integer
 * pixels, linear-time selections otherwise, over at most 16384 samples). It cannot tell texture finer than a pixel from noise: that is what the
 * correlation's own quality figure (`registerTile`'s `peakRatio`) is for.
 *
 * @param tile pixels, axis order (z,) y, x
 * @param workspace buffers reused from call to call by one thread (made for this call if absent)
 * @throws MetdbError 'empty-array' for an empty tile, 'non-finite' for NaN or infinite pixels
 */
export function tileSignal(tile: NdArray, workspace = new TileSignalWorkspace()): TileSignal {
  const { data } = tile;
  const n = data.length;
  if (n === 0) throw new MetdbError('empty-array', 'tileSignal: the tile is empty');
  if (data instanceof Uint16Array || data instanceof Uint8Array) {
    const counted = countedTileSignal(tile as NdArray<Uint8Array | Uint16Array>, {
      maxSamples: MAX_SAMPLES,
      maxBins: MAX_BINS,
      tables: workspace.tables,
    });
    if (counted !== undefined) return counted;
  }
  const integer = !(data instanceof Float32Array || data instanceof Float64Array);
  const { values, min, max } = sample(data, workspace.samples);
  for (let i = 0; !integer && i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new MetdbError('non-finite', 'tileSignal: the tile has NaN or infinite pixels');
    }
  }
  const std = winsorisedStd(values, integer ? { min, max } : undefined, workspace);
  const floor = integer ? 1 / Math.sqrt(12) : 1e-9 * std;
  const noise = Math.max(differenceNoise(tile, integer, workspace), floor);
  const signal = std === 0 ? 0 : Math.max(0, (std * std) / (noise * noise) - 1);
  return { signal, std, noise };
}

/**
 * Whether a tile carries enough signal to be registered: `tileSignal(tile).signal >= threshold`.
 * Accepts a tile or an already measured `TileSignal`.
 *
 * @param threshold minimum `signal` (dimensionless), default `DEFAULT_MIN_TILE_SIGNAL`
 */
export function isInformative(
  tile: NdArray | TileSignal,
  threshold: number = DEFAULT_MIN_TILE_SIGNAL,
): boolean {
  const measured = 'signal' in tile ? tile : tileSignal(tile);
  return measured.signal >= threshold;
}

/** Every `stride`-th pixel of `data` (all of them when there are at most MAX_SAMPLES), and their range. */
function sample(
  data: NdArray['data'],
  buffer: ScratchFloat64,
): { values: Float64Array; min: number; max: number } {
  const count = data.length;
  const stride = Math.max(1, Math.ceil(count / MAX_SAMPLES));
  const values = buffer.take(Math.ceil(count / stride));
  const range = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  copyStrided(data, stride, values, range);
  return { values, min: range.min, max: range.max };
}

/** The copy loop on its own (see `countInto`). */
function copyStrided(
  data: NdArray['data'],
  stride: number,
  values: Float64Array,
  range: { min: number; max: number },
): void {
  let min = range.min;
  let max = range.max;
  for (let i = 0, k = 0; i < data.length; i += stride, k++) {
    const v = data[i]!;
    values[k] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  range.min = min;
  range.max = max;
}

/**
 * Standard deviation of `values` winsorised at their 0.5 and 99.5 percentiles; `integerRange`
 * (their min and max) when they are integers, for the histogram.
 */
function winsorisedStd(
  values: Float64Array,
  integerRange: Range | undefined,
  workspace: TileSignalWorkspace,
): number {
  const [lo = 0, hi = 0] =
    integerRange === undefined
      ? selectedQuantiles(values.slice(), [0.005, 0.995])
      : integerQuantiles(values, { scale: 1, range: integerRange, workspace }, [0.005, 0.995]);
  return clampedStd(values, lo, hi);
}

/** Standard deviation of `values` clamped to [lo, hi] (its own function: see `firstDifferences`). */
function clampedStd(values: Float64Array, lo: number, hi: number): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += Math.min(hi, Math.max(lo, values[i]!));
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (Math.min(hi, Math.max(lo, values[i]!)) - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/** 1.4826 MAD / sqrt(2) of the first differences along every axis longer than 1 (0 if none). */
function differenceNoise(tile: NdArray, integer: boolean, workspace: TileSignalWorkspace): number {
  const differences = firstDifferences(tile, workspace.differences);
  if (differences === undefined) return 0;
  const { values, min, max } = differences;
  const [median = 0] = integer
    ? integerQuantiles(values, { scale: 1, range: { min, max }, workspace }, [0.5])
    : selectedQuantiles(values, [0.5]);
  const deviations = absoluteDeviations(values, median);
  // Deviations of integers from a median of integers: integers, or halves of integers.
  const scale = Number.isInteger(median) ? 1 : 2;
  const [mad = 0] = integer
    ? integerQuantiles(values, { scale, range: deviations, workspace }, [0.5])
    : selectedQuantiles(values, [0.5]);
  return (1.4826 * mad) / Math.SQRT2;
}

/**
 * The first differences along every axis longer than 1, every stride-th of them when there are
 * more than MAX_SAMPLES (pair p in this order is kept when p % stride === 0), and their range.
 * Its own function: the loop is optimised on its own, whatever follows it.
 */
function firstDifferences(
  tile: NdArray,
  buffer: ScratchFloat64,
): { values: Float64Array; min: number; max: number } | undefined {
  const { data, shape } = tile;
  const n = data.length;
  const total = shape.reduce((t, len) => t + (n / len) * (len - 1), 0);
  if (total === 0) return undefined;
  const stride = Math.max(1, Math.ceil(total / MAX_SAMPLES));
  const diffs = buffer.take(Math.ceil(total / stride));
  let k = 0;
  let step = 1;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let phase = 0;
  for (let a = shape.length - 1; a >= 0; a--) {
    const len = shape[a]!;
    const block = step * len;
    // Pairs (i, i + step) inside each block of this axis, in memory order.
    for (let base = 0; len > 1 && base < n; base += block) {
      for (let i = base, end = base + block - step; i < end; i++) {
        if (phase === 0) {
          const d = data[i + step]! - data[i]!;
          diffs[k++] = d;
          min = Math.min(min, d);
          max = Math.max(max, d);
        }
        if (++phase === stride) phase = 0;
      }
    }
    step = block;
  }
  return { values: diffs.subarray(0, k), min, max };
}

/** Replaces each value by its distance to `median`; the range of the distances. */
function absoluteDeviations(values: Float64Array, median: number): Range {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const deviation = Math.abs(values[i]! - median);
    values[i] = deviation;
    min = Math.min(min, deviation);
    max = Math.max(max, deviation);
  }
  return { min, max };
}

/** The smallest and largest of some values. */
interface Range {
  readonly min: number;
  readonly max: number;
}

/** Histograms cover at most this many bins; a wider spread goes through selection. */
const MAX_BINS = 1 << 17;

/** How the values of `integerQuantiles` are counted. */
interface IntegerValues {
  /** The values are multiples of 1 / scale. */
  readonly scale: 1 | 2;
  readonly range: Range;
  /** Holds the histogram. */
  readonly workspace: TileSignalWorkspace;
}

/**
 * `selectedQuantiles` for values that are all multiples of 1 / `scale` (integer pixels and their
 * differences: scale 1; deviations from a median that is a half: scale 2), between `range.min`
 * and `range.max`: counted in a histogram,
 * in linear time, without reordering `values`. The same numbers: the same order statistics,
 * interpolated by the same expression.
 */
function integerQuantiles(values: Float64Array, how: IntegerValues, qs: readonly number[]): number[] {
  const n = values.length;
  const { scale, range, workspace } = how;
  const { min, max } = range;
  const bins = (max - min) * scale + 1;
  if (!(bins <= MAX_BINS)) return selectedQuantiles(values.slice(), qs);
  if (workspace.histogram.length < bins) workspace.histogram = new Int32Array(MAX_BINS);
  const counts = workspace.histogram;
  counts.fill(0, 0, bins);
  countInto(counts, values, min, scale);
  // Bin b holds the value min + b / scale.
  return quantilesOfCounts({ counts, first: 0, last: bins - 1, offset: -min * scale, scale, n }, qs);
}

/**
 * The histogram loop on its own: compiled on the stack inside `integerQuantiles`, it made V8
 * deoptimise the code after it on every call.
 */
function countInto(counts: Int32Array, values: Float64Array, min: number, scale: number): void {
  for (let i = 0; i < values.length; i++) counts[((values[i]! - min) * scale) | 0]!++;
}

/** The quantiles `qs` of `values` by selection (`quantile`); reorders `values`. */
function selectedQuantiles(values: Float64Array, qs: readonly number[]): number[] {
  return qs.map((q) => quantile(values, q));
}

/**
 * Linear-interpolated quantile q in [0, 1] of `values` (numpy's default method), by selection in
 * expected linear time; reorders `values`.
 */
function quantile(values: Float64Array, q: number): number {
  const pos = q * (values.length - 1);
  const lo = Math.floor(pos);
  selectKth(values, lo);
  if (pos === lo) return values[lo]!;
  const below = values[lo]!;
  return below + (pos - lo) * (smallestFrom(values, lo + 1) - below);
}

/** The smallest of `values` from `start` on (its own function for the same reason as `countInto`). */
function smallestFrom(values: Float64Array, start: number): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = start; i < values.length; i++) if (values[i]! < smallest) smallest = values[i]!;
  return smallest;
}
