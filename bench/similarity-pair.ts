import type { NdArray } from '../shared/ndarray/ndarray.js';
import { affineTransform } from '../shared/registration/affine-transform.js';
import {
  applyMatrix,
  imageCentre,
  imageCorners,
  similarityMatrix,
  type Matrix3,
} from '../shared/registration/similarity/transform-matrix.js';
import { indexMatrix } from '../shared/registration/warp-to-reference.js';
import { seededGaussian } from '../shared/random/seeded.js';

/** A known similarity: degrees, scale of the matrix (moving -> reference), shift [y, x] of the centre. */
export interface SimilarityTruth {
  readonly angle: number;
  readonly scale: number;
  readonly shift: readonly [number, number];
}

/**
 * A registration pair made from one real image with a known similarity: the reference is the image,
 * the moving image samples it through the true matrix (cubic spline, mirrored beyond the image, so
 * content enters and leaves at the borders as in a real acquisition), both get independent
 * Gaussian noise of `noise` times the image's range (seeded). Returns the true matrix too.
 */
export function similarityPair(
  source: NdArray,
  truth: SimilarityTruth,
  noise = 0.02,
  seed = 1,
): { reference: NdArray<Float32Array>; moving: NdArray<Float32Array>; matrix: Matrix3 } {
  const matrix = similarityMatrix(truth.angle, truth.scale, truth.shift, imageCentre(source.shape));
  return matrixPair(source, matrix, noise, seed);
}

/** As `similarityPair`, for any affine `matrix` (moving -> reference, (x, y) pixels). */
export function matrixPair(
  source: NdArray,
  matrix: Matrix3,
  noise = 0.02,
  seed = 1,
): { reference: NdArray<Float32Array>; moving: NdArray<Float32Array>; matrix: Matrix3 } {
  // moving(p) = source(matrix · p): affine_transform's output -> input map is the matrix itself.
  const warped = affineTransform(source, indexMatrix(matrix), { mode: 'reflect', order: 3 });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of source.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const sigma = noise * (hi - lo);
  const gauss = seededGaussian(seed);
  const reference = Float32Array.from(source.data, (v) => v + sigma * gauss());
  const moving = Float32Array.from(warped.data, (v) => v + sigma * gauss());
  return {
    reference: { data: reference, shape: source.shape },
    moving: { data: moving, shape: source.shape },
    matrix,
  };
}

/** Mean and largest distance, pixels, between the images of the moving image's four corners under two matrices. */
export function cornerErrors(
  estimate: Matrix3,
  truth: Matrix3,
  shape: readonly number[],
): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (const [x, y] of imageCorners(shape)) {
    const [ex, ey] = applyMatrix(estimate, x, y);
    const [tx, ty] = applyMatrix(truth, x, y);
    const d = Math.hypot(ex - tx, ey - ty);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / 4, max };
}
