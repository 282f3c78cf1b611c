import type { NdArray } from '../../ndarray/ndarray.js';
import { checkImage } from './check-image.js';
import { allocate, checkDtype, checkNumber, checkOptionKeys, type OutputDtype } from './check-options.js';
import { MetdbError } from '../../errors/metdb-error.js';
import { percentiles } from './percentiles.js';

export interface ClipPercentilesOptions {
  /** Lower percentile, in [0, 100]: values below its value are raised to it. @default 0.1 */
  low?: number;
  /** Upper percentile, in [low, 100]: values above its value are lowered to it. @default 99.9 */
  high?: number;
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

export const CLIP_PERCENTILES_KEYS = ['low', 'high', 'dtype'] as const;

/** Checks clipPercentiles options and fills in the defaults. */
export function resolveClipPercentilesOptions(options: unknown): Required<ClipPercentilesOptions> {
  checkOptionKeys(options, CLIP_PERCENTILES_KEYS, 'clipPercentiles');
  const o = (options ?? {}) as ClipPercentilesOptions;
  const low = checkNumber(o.low, 0.1, 'clip.low', 0, 100);
  const high = checkNumber(o.high, 99.9, 'clip.high', 0, 100);
  if (low > high) {
    throw new MetdbError('invalid-argument', `clipPercentiles: low (${low}) is above high (${high})`, {
      details: { low, high },
    });
  }
  return { low, high, dtype: checkDtype(o.dtype) };
}

/**
 * Clips intensities to the range between two percentiles of the image, computed over all pixels
 * exactly as `numpy.percentile` (default 'linear' method) computes them: the result is
 * `np.clip(image, np.percentile(image, low), np.percentile(image, high))` as floats. This tames hot
 * pixels, saturated spots and dark borders before correlation.
 *
 * @param image pixels, axis order (z,) y, x
 * @throws MetdbError 'invalid-argument', 'unknown-option', 'empty-array', 'non-finite'
 */
export function clipPercentiles(
  image: NdArray,
  options: ClipPercentilesOptions = {},
): NdArray<Float32Array | Float64Array> {
  const { low, high, dtype } = resolveClipPercentilesOptions(options);
  checkImage(image, 'clipPercentiles');
  const [lo, hi] = percentiles(image.data, [low, high]) as [number, number];
  const { data } = image;
  const out = allocate(dtype, data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return { data: out, shape: [...image.shape] };
}
