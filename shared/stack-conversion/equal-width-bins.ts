import { MetdbError } from '../errors/metdb-error.js';
import type { PixelArray } from '../ndarray/ndarray.js';

/** Values sorted into equal-width bins over their own range. */
export interface EqualWidthBins {
  /** The bin of each value, 0 .. bins - 1. */
  readonly indices: Uint32Array;
  /** bins + 1 edges from the minimum to the maximum (a constant input spans v - 0.5 .. v + 0.5). */
  readonly edges: Float64Array;
}

/**
 * numpy's `histogram(values, bins)` binning: edges `linspace(min, max, bins + 1)`, a value in bin
 * k when edges[k] <= v < edges[k + 1], the last bin closed. Values exactly on an edge land where
 * numpy puts them (the first guess is corrected against the edges).
 *
 * @throws MetdbError 'non-finite' for NaN or infinite values, 'invalid-argument' for bins < 1
 */
export function equalWidthBins(values: PixelArray | Float64Array, bins: number): EqualWidthBins {
  if (!Number.isInteger(bins) || bins < 1)
    throw new MetdbError('invalid-argument', `bins must be a positive integer, got ${bins}`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new MetdbError('non-finite', `value ${i} is ${v}`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const step = (max - min) / bins;
  const edges = new Float64Array(bins + 1);
  for (let k = 0; k < bins; k++) edges[k] = k * step + min;
  edges[bins] = max;
  const indices = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let k = Math.min(bins - 1, Math.max(0, Math.floor((v - min) / step)));
    if (v < edges[k]!) k -= 1;
    else if (k < bins - 1 && v >= edges[k + 1]!) k += 1;
    indices[i] = k;
  }
  return { indices, edges };
}
