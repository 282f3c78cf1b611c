import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray } from '../../ndarray/ndarray.js';
import { checkImage } from './check-image.js';
import {
  allocate,
  checkChoice,
  checkDtype,
  checkNumber,
  checkOptionKeys,
  type OutputDtype,
} from './check-options.js';
import { medianFilter } from './median-filter.js';
import { percentiles } from './percentiles.js';

export interface SuppressHotPixelsOptions {
  /** Replacement threshold, in robust standard deviations of the residual (see below). @default 5 */
  threshold?: number;
  /**
   * Odd window length of the local median, one number for every axis or one per axis (axis order
   * (z,) y, x): 3 means 3x3 in 2D and 3x3x3 in 3D.
   * @default 3
   */
  size?: number | number[];
  /** In 3D and more, use a window within each plane (length 1 on all axes but the last two). @default false */
  perPlane?: boolean;
  /** Which outliers to replace: 'bright' (hot pixels), 'dark' (dead pixels) or 'both'. @default 'bright' */
  polarity?: 'bright' | 'dark' | 'both';
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

export const SUPPRESS_HOT_PIXELS_KEYS = ['threshold', 'size', 'perPlane', 'polarity', 'dtype'] as const;

/** Checks suppressHotPixels options (those not depending on the image) and fills in the defaults. */
export function resolveSuppressHotPixelsOptions(options: unknown): Required<SuppressHotPixelsOptions> {
  checkOptionKeys(options, SUPPRESS_HOT_PIXELS_KEYS, 'suppressHotPixels');
  const o = (options ?? {}) as SuppressHotPixelsOptions;
  const size = o.size ?? 3;
  for (const s of Array.isArray(size) ? size : [size]) {
    if (!Number.isInteger(s) || s < 1 || s % 2 === 0) {
      throw new MetdbError(
        'invalid-argument',
        `suppressHotPixels: size must be odd positive integers, got ${JSON.stringify(size)}`,
        {
          details: { option: 'size', value: size },
        },
      );
    }
  }
  if (o.perPlane !== undefined && typeof o.perPlane !== 'boolean') {
    throw new MetdbError('invalid-argument', 'suppressHotPixels: perPlane must be a boolean');
  }
  return {
    threshold: checkNumber(o.threshold, 5, 'hotPixels.threshold', 0),
    size: Array.isArray(size) ? [...size] : size,
    perPlane: o.perPlane ?? false,
    polarity: checkChoice(o.polarity, 'bright', 'hotPixels.polarity', ['bright', 'dark', 'both'] as const),
    dtype: checkDtype(o.dtype),
  };
}

/**
 * Replaces isolated outliers (hot or dead pixels, cosmic rays) with their local median. The rule:
 * 1. m = median filter of the image over the window (`size`, reflect boundary as scipy.ndimage);
 * 2. residual r = image - m; robust sigma s = 1.4826 * median(|r - median(r)|) over all pixels (the
 *    MAD scaled to a Gaussian standard deviation); if s is 0 (flat images), s = 1.2533 * mean(|r -
 *    median(r)|); if that is 0 too, nothing is replaced;
 * 3. a pixel is replaced by m where r > threshold * s ('bright'), r < -threshold * s ('dark'), or
 *    |r| > threshold * s ('both'); all other pixels are kept as they are.
 *
 * @param image pixels, axis order (z,) y, x
 * @throws MetdbError 'invalid-argument', 'unknown-option', 'empty-array', 'non-finite'
 */
export function suppressHotPixels(
  image: NdArray,
  options: SuppressHotPixelsOptions = {},
): NdArray<Float32Array | Float64Array> {
  const { threshold, size, perPlane, polarity, dtype } = resolveSuppressHotPixelsOptions(options);
  checkImage(image, 'suppressHotPixels');
  const { data, shape } = image;
  const ndim = shape.length;
  let window = Array.isArray(size) ? size : new Array<number>(ndim).fill(size);
  if (window.length !== ndim) {
    throw new MetdbError('invalid-argument', `suppressHotPixels: size needs one value per axis (${ndim})`, {
      details: { option: 'size', value: size },
    });
  }
  if (perPlane) window = window.map((s, k) => (k < ndim - 2 ? 1 : s));

  const median = medianFilter(image, window).data;
  const n = data.length;
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = (data[i] as number) - (median[i] as number);
  const center = percentiles(residual, [50])[0] as number;
  const deviation = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs((residual[i] as number) - center);
    deviation[i] = d;
    sum += d;
  }
  let sigma = 1.4826 * (percentiles(deviation, [50])[0] as number);
  if (sigma === 0) sigma = 1.2533 * (sum / n);

  const out = allocate(dtype, n);
  const limit = threshold * sigma;
  for (let i = 0; i < n; i++) {
    const r = residual[i] as number;
    const hot =
      sigma > 0 &&
      (polarity === 'bright' ? r > limit : polarity === 'dark' ? r < -limit : Math.abs(r) > limit);
    out[i] = hot ? (median[i] as number) : (data[i] as number);
  }
  return { data: out, shape: [...shape] };
}
