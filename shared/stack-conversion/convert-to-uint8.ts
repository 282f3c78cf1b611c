import { savitzkyGolay } from '../aggregation/savitzky-golay.js';
import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, type NdArray } from '../ndarray/ndarray.js';
import { intensityRange, type IntensityRangeOptions } from './intensity-range.js';

export interface ConvertToUint8Options extends IntensityRangeOptions {
  /**
   * 'global': one range for the whole stack; 'sliding': each section's own range, smoothed over
   * the sections (for a stack whose brightness drifts during milling). One image: its own range.
   * @default 'global'
   */
  range?: 'global' | 'sliding';
  /**
   * Savitzky-Golay window (sections) of 'sliding', at most floor(n / 8) * 2 + 1 for n sections as
   * in the toolkit; when that leaves no more points than `order`, the ranges are not smoothed.
   * @default 101
   */
  window?: number;
  /** Savitzky-Golay polynomial order of 'sliding'. @default 3 */
  order?: number;
}

export interface Uint8Conversion {
  readonly image: NdArray<Uint8Array>;
  /** The range each section was scaled from (what 0 and 255 stand for), one entry per section. */
  readonly min: number[];
  readonly max: number[];
  /** Each section's own range from the cumulative histogram (before the global or sliding choice). */
  readonly sectionMin: number[];
  readonly sectionMax: number[];
}

/**
 * Converts an image or a stack (z, y, x) to 8 bits as the FIB-SEM toolkit does: every section's
 * range from its cumulative histogram (`intensityRange` with thrMin, thrMax), then either one
 * global range (the same thresholds applied to the distribution of the sections' minima and of
 * their maxima, as the toolkit's data_min_glob / data_max_glob) or the sliding per-section ranges
 * smoothed by Savitzky-Golay; each pixel becomes floor(255 (clip(v, lo, hi) - lo) / (hi - lo)).
 *
 * @throws MetdbError 'invalid-argument' (rank, options), 'non-finite'
 */
export function convertToUint8(image: NdArray, options: ConvertToUint8Options = {}): Uint8Conversion {
  const { range = 'global', window = 101, order = 3, ...thresholds } = options;
  const { shape, data } = image;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new MetdbError(
      'invalid-argument',
      `convertToUint8: needs an image (y, x) or a stack (z, y, x), got [${shape.join(', ')}]`,
    );
  }
  if (range !== 'global' && range !== 'sliding')
    throw new MetdbError(
      'invalid-argument',
      `convertToUint8: range must be global or sliding, got ${String(range)}`,
    );
  const sections = shape.length === 3 ? shape[0]! : 1;
  const plane = data.length / sections;
  const sectionMin: number[] = [];
  const sectionMax: number[] = [];
  for (let z = 0; z < sections; z++) {
    const [lo, hi] = intensityRange(data.subarray(z * plane, (z + 1) * plane), thresholds);
    sectionMin.push(lo);
    sectionMax.push(hi);
  }
  let [min, max] = [sectionMin, sectionMax];
  if (sections > 1 && range === 'global') {
    const lo = intensityRange(Float64Array.from(sectionMin), thresholds)[0];
    const hi = intensityRange(Float64Array.from(sectionMax), thresholds)[1];
    [min, max] = [sectionMin.map(() => lo), sectionMax.map(() => hi)];
  } else if (sections > 1) {
    const w = Math.min(window % 2 === 1 ? window : window - 1, Math.floor(sections / 8) * 2 + 1);
    if (w > order)
      [min, max] = [
        Array.from(savitzkyGolay(sectionMin, { window: w, order })),
        Array.from(savitzkyGolay(sectionMax, { window: w, order })),
      ];
  }
  const out = new Uint8Array(data.length);
  for (let z = 0; z < sections; z++) {
    const lo = min[z]!;
    const hi = max[z]!;
    const span = hi - lo;
    if (!(span > 0)) continue; // a flat section stays 0
    // The toolkit's operations in its order, so that values on a level boundary floor alike.
    for (let i = z * plane; i < (z + 1) * plane; i++) {
      const v = data[i]!;
      const clipped = v < lo ? lo : v > hi ? hi : v;
      out[i] = Math.floor(((clipped - lo) / span) * 255);
    }
  }
  return { image: ndarray(out, shape), min, max, sectionMin, sectionMax };
}
