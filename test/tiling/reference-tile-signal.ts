/**
 * `tileSignal` as it was written first: every order statistic by selection (`selectKth`) on a
 * copy of the samples. Kept for the tests, which require the faster version to give exactly the
 * same figures on the same tiles.
 */
import { MetdbError } from '../../shared/errors/metdb-error.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { selectKth } from '../../shared/registration/preprocess/select-kth.js';
import type { TileSignal } from '../../shared/tiling/tile-signal.js';

/** At most this many samples enter each order statistic (a fixed, deterministic stride above it). */
const MAX_SAMPLES = 1 << 14;

export function referenceTileSignal(tile: NdArray): TileSignal {
  const { data } = tile;
  const n = data.length;
  if (n === 0) throw new MetdbError('empty-array', 'tileSignal: the tile is empty');
  const values = sample(data.length, (i) => data[i]!);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new MetdbError('non-finite', 'tileSignal: the tile has NaN or infinite pixels');
    }
  }
  const std = winsorisedStd(values);
  const integer = !(data instanceof Float32Array || data instanceof Float64Array);
  const floor = integer ? 1 / Math.sqrt(12) : 1e-9 * std;
  const noise = Math.max(differenceNoise(tile), floor);
  const signal = std === 0 ? 0 : Math.max(0, (std * std) / (noise * noise) - 1);
  return { signal, std, noise };
}

/** Every `stride`-th of `count` values (all when count <= MAX_SAMPLES). */
function sample(count: number, at: (i: number) => number): Float64Array {
  const stride = Math.max(1, Math.ceil(count / MAX_SAMPLES));
  const out = new Float64Array(Math.ceil(count / stride));
  for (let i = 0, k = 0; i < count; i += stride, k++) out[k] = at(i);
  return out;
}

function winsorisedStd(values: Float64Array): number {
  const scratch = values.slice();
  const lo = quantile(scratch, 0.005);
  const hi = quantile(scratch, 0.995);
  let mean = 0;
  for (const v of values) mean += Math.min(hi, Math.max(lo, v));
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (Math.min(hi, Math.max(lo, v)) - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/** 1.4826 MAD / sqrt(2) of the first differences along every axis longer than 1 (0 if none). */
function differenceNoise(tile: NdArray): number {
  const { data, shape } = tile;
  const n = data.length;
  const total = shape.reduce((t, len) => t + (n / len) * (len - 1), 0);
  if (total === 0) return 0;
  const stride = Math.max(1, Math.ceil(total / MAX_SAMPLES));
  const diffs = new Float64Array(Math.ceil(total / stride));
  let p = 0;
  let k = 0;
  let step = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    const len = shape[a]!;
    const block = step * len;
    // Pairs (i, i + step) inside each block of this axis, in memory order.
    for (let base = 0; len > 1 && base < n; base += block) {
      for (let i = base; i < base + block - step; i++, p++) {
        if (p % stride === 0) diffs[k++] = data[i + step]! - data[i]!;
      }
    }
    step = block;
  }
  const used = diffs.subarray(0, k);
  const median = quantile(used, 0.5);
  for (let i = 0; i < used.length; i++) used[i] = Math.abs(used[i]! - median);
  return (1.4826 * quantile(used, 0.5)) / Math.SQRT2;
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
  let next = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < values.length; i++) if (values[i]! < next) next = values[i]!;
  return values[lo]! + (pos - lo) * (next - values[lo]!);
}
