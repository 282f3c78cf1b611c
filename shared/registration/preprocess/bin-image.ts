import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray, PixelArray } from '../../imaging/ndarray.js';
import { checkImage } from './check-image.js';
import { allocate, checkDtype, checkOptionKeys, type OutputDtype } from './check-options.js';

export interface BinImageOptions {
  /**
   * Block length, one integer >= 1 for every axis or one per axis (axis order (z,) y, x); 1 leaves an
   * axis as it is (e.g. [1, 2, 2] bins each plane of a z-stack).
   * @default 2
   */
  factor?: number | number[];
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

export const BIN_IMAGE_KEYS = ['factor', 'dtype'] as const;

/** Checks binImage options (those not depending on the image) and fills in the defaults. */
export function resolveBinImageOptions(options: unknown): Required<BinImageOptions> {
  checkOptionKeys(options, BIN_IMAGE_KEYS, 'binImage');
  const o = (options ?? {}) as BinImageOptions;
  const factor = o.factor ?? 2;
  for (const f of Array.isArray(factor) ? factor : [factor]) {
    if (!Number.isInteger(f) || f < 1) {
      throw new MetdbError(
        'invalid-argument',
        `binImage: factor must be integers >= 1, got ${JSON.stringify(factor)}`,
        {
          details: { option: 'factor', value: factor },
        },
      );
    }
  }
  return { factor: Array.isArray(factor) ? [...factor] : factor, dtype: checkDtype(o.dtype) };
}

/**
 * Downsamples by summing non-overlapping blocks of factor[0] x factor[1] x ... pixels (binning, as a
 * camera does; sums, not means, so counts keep their meaning). Output length per axis is
 * floor(n / factor): a trailing partial block is dropped. Separable: one summing pass per axis.
 *
 * @param image pixels, axis order (z,) y, x
 * @throws MetdbError 'invalid-argument' (bad factor, or a factor longer than its axis), 'unknown-option',
 *   'empty-array', 'non-finite'
 */
export function binImage(
  image: NdArray,
  options: BinImageOptions = {},
): NdArray<Float32Array | Float64Array> {
  const { factor, dtype } = resolveBinImageOptions(options);
  checkImage(image, 'binImage');
  const { shape } = image;
  const factors = Array.isArray(factor) ? factor : new Array<number>(shape.length).fill(factor);
  if (factors.length !== shape.length) {
    throw new MetdbError('invalid-argument', `binImage: factor needs one value per axis (${shape.length})`, {
      details: { option: 'factor', value: factor },
    });
  }
  const outShape = shape.map((n, k) => Math.floor(n / (factors[k] as number)));
  if (outShape.some((n) => n === 0)) {
    throw new MetdbError(
      'invalid-argument',
      `binImage: factor [${factors.join(', ')}] exceeds shape [${shape.join(', ')}]`,
      {
        details: { shape: [...shape], factor: factors },
      },
    );
  }
  let src: PixelArray = image.data;
  const current = [...shape];
  for (let axis = 0; axis < shape.length; axis++) {
    const f = factors[axis] as number;
    if (f === 1) continue;
    const n = current[axis] as number;
    const m = outShape[axis] as number;
    const outer = current.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = current.slice(axis + 1).reduce((a, b) => a * b, 1);
    const dst = new Float64Array(outer * m * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const to = (o * m + j) * inner;
        for (let b = 0; b < f; b++) {
          const from = (o * n + j * f + b) * inner;
          for (let i = 0; i < inner; i++) dst[to + i] = (dst[to + i] as number) + (src[from + i] as number);
        }
      }
    }
    src = dst;
    current[axis] = m;
  }
  const out = allocate(dtype, src.length);
  out.set(src);
  return { data: out, shape: outShape };
}
