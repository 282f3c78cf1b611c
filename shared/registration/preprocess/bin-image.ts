import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray, PixelArray } from '../../ndarray/ndarray.js';
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
  // The last axis first, straight from the pixels (a block sum per run of f pixels of a row): the
  // data shrink by its factor before anything is written; then the other axes, in float64.
  const last = shape.length - 1;
  const n = shape[last] as number;
  let src = binLastAxis(image.data, n, factors[last] as number);
  const current = [...shape];
  current[last] = outShape[last] as number;
  for (let axis = 0; axis < last; axis++) {
    const f = factors[axis] as number;
    if (f === 1) continue;
    const outer = current.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = current.slice(axis + 1).reduce((a, b) => a * b, 1);
    src = binMiddleAxis(src, [outer, current[axis] as number, inner], f);
    current[axis] = outShape[axis] as number;
  }
  const out = allocate(dtype, src.length);
  out.set(src);
  return { data: out, shape: outShape };
}

/** Sums of blocks of `f` pixels along each row of `n` pixels (the first floor(n / f) blocks of each). */
function binLastAxis(src: PixelArray, n: number, f: number): Float64Array {
  const rows = src.length / n;
  const m = Math.floor(n / f);
  const dst = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    // int32 indices: a float64 one would be converted at every access
    const from = (r * n) | 0;
    const to = (r * m) | 0;
    for (let c = 0; c < m; c++) {
      let sum = 0;
      for (let x = (from + c * f) | 0, end = (x + f) | 0; x < end; x++) sum += src[x] as number;
      dst[to + c] = sum;
    }
  }
  return dst;
}

/**
 * Sums of blocks of `f` along the middle axis of an (outer, n, inner) array: (outer, m, inner),
 * m = floor(n / f).
 */
function binMiddleAxis(
  src: Float64Array,
  [outer, n, inner]: readonly [number, number, number],
  f: number,
): Float64Array {
  const m = Math.floor(n / f);
  const dst = new Float64Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = ((o * m + j) * inner) | 0;
      for (let b = 0; b < f; b++) {
        const from = ((o * n + j * f + b) * inner) | 0;
        for (let i = 0; i < inner; i++) dst[to + i] = (dst[to + i] as number) + (src[from + i] as number);
      }
    }
  }
  return dst;
}
