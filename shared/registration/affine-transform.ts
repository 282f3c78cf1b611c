import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { checkImage } from './preprocess/check-image.js';
import {
  allocate,
  checkChoice,
  checkDtype,
  checkNumber,
  checkOptionKeys,
  type OutputDtype,
} from './preprocess/check-options.js';
import type { ShiftMode } from './spline/map-coordinate.js';
import { sampleAffine } from './spline/sample-affine.js';
import { splineCoefficients } from './spline/spline-coefficients.js';

export interface AffineTransformOptions {
  /** Added to matrix · index (index order (z,) y, x); ignored for a homogeneous matrix. @default 0 */
  offset?: number | readonly number[];
  /** Shape of the output. @default the input's shape */
  outputShape?: readonly number[];
  /** Spline order: 0 (nearest, ties as floor(x + 0.5)), 1 (linear), 3 (cubic B-spline). @default 3 */
  order?: 0 | 1 | 3;
  /** How the input extends beyond its edges (scipy.ndimage names; see `ShiftMode`). @default 'constant' */
  mode?: ShiftMode;
  /** Value of output samples that map outside the input, mode 'constant' only. @default 0 */
  cval?: number;
  /** Apply the cubic B-spline prefilter (order 3), so that the spline interpolates the samples. @default true */
  prefilter?: boolean;
  /** Type of the result. @default 'float64' */
  dtype?: OutputDtype;
}

const KEYS = ['offset', 'outputShape', 'order', 'mode', 'cval', 'prefilter', 'dtype'] as const;
const MODES: readonly ShiftMode[] = ['constant', 'nearest', 'reflect', 'mirror', 'wrap', 'grid-wrap'];

/**
 * Resamples an N-D image through an affine map of array indices, with the semantics and arithmetic of
 * `scipy.ndimage.affine_transform` (SciPy 1.10): for every output index o (axis order (z,) y, x),
 *
 *     output[o] = input[matrix · o + offset]
 *
 * interpolated by a B-spline of `order`. The matrix maps OUTPUT indices to INPUT indices (the
 * inverse of the transform that moves the image's content): to move content by +d, pass the
 * identity and offset -d (`interpolatedShift` does exactly this, faster). `matrix` is one of
 * - ndim x ndim (with `offset`),
 * - ndim x (ndim + 1) or (ndim + 1) x (ndim + 1) homogeneous (last column the offset; `offset` ignored),
 * - a length-ndim vector: the diagonal.
 * Modes, `cval` and `prefilter` as in `interpolatedShift`: in mode 'constant' an output index whose
 * input coordinate falls outside [0, n - 1] along some axis takes `cval`.
 *
 * To warp a moving image onto a reference with a Met-db `matrix` M (x, y; moving -> reference), pass
 * the inverse of M with its axes swapped to (y, x): see `warpToReference`.
 *
 * @throws MetdbError 'invalid-argument' (matrix, offset, shape or option values), 'unknown-option',
 *   'empty-array', 'non-finite'
 */
export function affineTransform(
  image: NdArray,
  matrix: readonly (readonly number[])[] | readonly number[],
  options: AffineTransformOptions = {},
): NdArray<Float32Array | Float64Array> {
  checkOptionKeys(options, KEYS, 'affineTransform');
  checkImage(image, 'affineTransform');
  const ndim = image.shape.length;
  const order = options.order ?? 3;
  if (order !== 0 && order !== 1 && order !== 3) {
    throw new MetdbError(
      'invalid-argument',
      `affineTransform: order must be 0, 1 or 3, got ${String(order)}`,
    );
  }
  const mode = checkChoice(options.mode, 'constant', 'mode', MODES);
  const cval = checkNumber(options.cval, 0, 'cval');
  const prefilter = options.prefilter ?? true;
  if (typeof prefilter !== 'boolean') {
    throw new MetdbError('invalid-argument', 'affineTransform: option prefilter must be a boolean');
  }
  const dtype = checkDtype(options.dtype);
  const outputShape = options.outputShape === undefined ? [...image.shape] : [...options.outputShape];
  if (outputShape.length !== ndim || !outputShape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new MetdbError('invalid-argument', `affineTransform: outputShape needs ${ndim} positive integers`, {
      details: { outputShape },
    });
  }
  const { linear, offset } = parseMatrix(matrix, options.offset ?? 0, ndim);
  const coeffs = splineCoefficients(image.data, image.shape, order, mode, prefilter);
  const out = allocate(dtype, sizeOf(outputShape));
  sampleAffine(coeffs, { matrix: linear, offset, outputShape, order, mode, cval }, out);
  return { data: out, shape: outputShape };
}

function parseMatrix(
  matrix: readonly (readonly number[])[] | readonly number[],
  offsetOption: number | readonly number[],
  ndim: number,
): { linear: Float64Array; offset: Float64Array } {
  const bad = (why: string): MetdbError =>
    new MetdbError('invalid-argument', `affineTransform: matrix ${why}`, { details: { matrix, ndim } });
  if (!Array.isArray(matrix) || matrix.length === 0) throw bad('must be a non-empty array');
  const linear = new Float64Array(ndim * ndim);
  const offset = new Float64Array(ndim);
  if (matrix.every((v) => typeof v === 'number')) {
    const diagonal = matrix as readonly number[];
    if (diagonal.length !== ndim) throw bad(`as a vector needs ${ndim} values`);
    diagonal.forEach((v, k) => (linear[k * ndim + k] = v));
  } else {
    const rows = matrix as readonly (readonly number[])[];
    const homogeneous = rows.length === ndim + 1 || rows[0]?.length === ndim + 1;
    if (!(rows.length === ndim || rows.length === ndim + 1)) throw bad(`needs ${ndim} or ${ndim + 1} rows`);
    for (let k = 0; k < ndim; k++) {
      const row = rows[k];
      if (!Array.isArray(row) || row.length !== (homogeneous ? ndim + 1 : ndim))
        throw bad('has a row of the wrong length');
      for (let j = 0; j < ndim; j++) linear[k * ndim + j] = row[j] as number;
      if (homogeneous) offset[k] = row[ndim] as number;
    }
    if (homogeneous) return checked(linear, offset, bad);
  }
  if (typeof offsetOption === 'number') offset.fill(offsetOption);
  else if (Array.isArray(offsetOption) && offsetOption.length === ndim) offset.set(offsetOption);
  else throw bad(`offset needs a number or ${ndim} numbers`);
  return checked(linear, offset, bad);
}

function checked(
  linear: Float64Array,
  offset: Float64Array,
  bad: (why: string) => MetdbError,
): { linear: Float64Array; offset: Float64Array } {
  if (!linear.every(Number.isFinite) || !offset.every(Number.isFinite))
    throw bad('and offset must be finite numbers');
  return { linear, offset };
}
