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
import { gaussianBlur } from './gaussian-blur.js';

export interface RemoveBackgroundOptions {
  /**
   * 'gaussian': subtract a heavy Gaussian blur of the image (a high-pass filter that removes uneven
   * illumination and slow gradients); 'plane': subtract the least-squares plane (hyperplane in N-D)
   * a + b . (z, y, x), which removes a linear tilt only.
   * @default 'gaussian'
   */
  method?: 'gaussian' | 'plane';
  /**
   * Gaussian standard deviation in pixels, one for every axis or one per axis (axis order (z,) y, x);
   * 0 leaves an axis unfiltered (e.g. [0, 20, 20] for plane-by-plane background of a z-stack).
   * Method 'gaussian' only.
   * @default 20
   */
  sigma?: number | number[];
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

export const REMOVE_BACKGROUND_KEYS = ['method', 'sigma', 'dtype'] as const;

/** Checks removeBackground options (those not depending on the image) and fills in the defaults. */
export function resolveRemoveBackgroundOptions(options: unknown): Required<RemoveBackgroundOptions> {
  checkOptionKeys(options, REMOVE_BACKGROUND_KEYS, 'removeBackground');
  const o = (options ?? {}) as RemoveBackgroundOptions;
  const sigma = o.sigma ?? 20;
  const list = Array.isArray(sigma) ? sigma : [sigma];
  list.forEach((s, k) => checkNumber(s, 0, `background.sigma[${k}]`, 0));
  return {
    method: checkChoice(o.method, 'gaussian', 'background.method', ['gaussian', 'plane'] as const),
    sigma: Array.isArray(sigma) ? [...sigma] : sigma,
    dtype: checkDtype(o.dtype),
  };
}

/**
 * Removes the slowly varying background of an image and returns image - background (zero-mean-ish,
 * floating point). Method 'gaussian' uses `gaussianBlur` (scipy.ndimage.gaussian_filter with
 * truncate 4 and the 'reflect' boundary) as background; method 'plane' the least-squares hyperplane
 * over all pixels (closed form: on a full grid the centred coordinates are orthogonal).
 *
 * @param image pixels, axis order (z,) y, x
 * @throws MetdbError 'invalid-argument', 'unknown-option', 'empty-array', 'non-finite'
 */
export function removeBackground(
  image: NdArray,
  options: RemoveBackgroundOptions = {},
): NdArray<Float32Array | Float64Array> {
  const { method, sigma, dtype } = resolveRemoveBackgroundOptions(options);
  checkImage(image, 'removeBackground');
  const { data, shape } = image;
  const out = allocate(dtype, data.length);
  if (method === 'gaussian') {
    const sigmas = Array.isArray(sigma) ? sigma : new Array<number>(shape.length).fill(sigma);
    if (sigmas.length !== shape.length) {
      throw new MetdbError(
        'invalid-argument',
        `removeBackground: sigma needs one value per axis (${shape.length})`,
        {
          details: { option: 'sigma', value: sigma },
        },
      );
    }
    const background = gaussianBlur(image, sigmas).data;
    for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) - (background[i] as number);
  } else {
    const plane = fitPlane(image);
    for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) - (plane[i] as number);
  }
  return { data: out, shape: [...shape] };
}

/** The least-squares hyperplane a + sum_k b_k x_k evaluated on the grid. */
function fitPlane(image: NdArray): Float64Array {
  const { data, shape } = image;
  const ndim = shape.length;
  const n = data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += data[i] as number;
  mean /= n;
  // sums over the grid of (x_k - c_k)(v - mean), accumulated with an N-D counter
  const num = new Float64Array(ndim);
  const coord = new Int32Array(ndim);
  const centre = shape.map((len) => (len - 1) / 2);
  for (let i = 0; i < n; i++) {
    const dv = (data[i] as number) - mean;
    for (let k = 0; k < ndim; k++)
      num[k] = (num[k] as number) + ((coord[k] as number) - (centre[k] as number)) * dv;
    for (let k = ndim - 1; k >= 0; k--) {
      if (++(coord[k] as number) < (shape[k] as number)) break;
      coord[k] = 0;
    }
  }
  const slope = shape.map((len, k) => {
    const den = (n / len) * ((len * (len * len - 1)) / 12);
    return den > 0 ? (num[k] as number) / den : 0;
  });
  // the plane, separably: start from the mean and add each axis' ramp
  const plane = new Float64Array(n).fill(mean);
  let outer = 1;
  shape.forEach((len, k) => {
    const inner = n / outer / len;
    const b = slope[k] as number;
    const c = centre[k] as number;
    for (let o = 0; o < outer; o++) {
      for (let x = 0; x < len; x++) {
        const ramp = b * (x - c);
        const from = (o * len + x) * inner;
        for (let j = from; j < from + inner; j++) plane[j] = (plane[j] as number) + ramp;
      }
    }
    outer *= len;
  });
  return plane;
}
