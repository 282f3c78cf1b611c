import { MetdbError } from '../errors/metdb-error.js';
import type { PixelArray } from '../ndarray/ndarray.js';
import { equalWidthBins } from './equal-width-bins.js';

export interface IntensityRangeOptions {
  /** Fraction of the pixels to leave below the range (dark outliers). @default 1e-3 */
  thrMin?: number;
  /** Fraction of the pixels to leave above the range (bright outliers). @default 1e-3 */
  thrMax?: number;
  /** Histogram bins over the data range. @default 256 */
  nbins?: number;
}

/**
 * The intensity range [min, max] that cuts off the fractions `thrMin` and `thrMax` of the pixels,
 * read from the cumulative histogram as the FIB-SEM toolkit does (`get_min_max_thresholds`):
 * `nbins` equal bins over the data's range, CDF = cumulative sum of counts / pixels; min is the
 * left edge of the bin whose CDF is closest to thrMin, max the left edge of the bin whose CDF is
 * closest to 1 - thrMax (first such bin on ties). Resolution: one bin width.
 *
 * @throws MetdbError 'invalid-argument' (thresholds outside [0, 1), nbins), 'non-finite', 'empty-array'
 */
export function intensityRange(
  values: PixelArray | Float64Array,
  options: IntensityRangeOptions = {},
): [number, number] {
  const { thrMin = 1e-3, thrMax = 1e-3, nbins = 256 } = options;
  for (const [name, v] of [
    ['thrMin', thrMin],
    ['thrMax', thrMax],
  ] as const) {
    if (!(v >= 0 && v < 1)) throw new MetdbError('invalid-argument', `${name} must be in [0, 1), got ${v}`);
  }
  if (values.length === 0) throw new MetdbError('empty-array', 'intensityRange: no values');
  const { indices, edges } = equalWidthBins(values, nbins);
  const counts = new Float64Array(nbins);
  for (let i = 0; i < indices.length; i++) counts[indices[i]!]! += 1;
  let cdf = 0;
  let [low, high] = [0, 0];
  let [bestLow, bestHigh] = [Infinity, Infinity];
  for (let k = 0; k < nbins; k++) {
    cdf += counts[k]! / values.length;
    const dLow = Math.abs(cdf - thrMin);
    const dHigh = Math.abs(cdf - (1 - thrMax));
    if (dLow < bestLow) [bestLow, low] = [dLow, k];
    if (dHigh < bestHigh) [bestHigh, high] = [dHigh, k];
  }
  return [edges[low]!, edges[high]!];
}
