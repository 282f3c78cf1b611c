import type { NdArray } from '../ndarray/ndarray.js';
import { affineTransform, type AffineTransformOptions } from './affine-transform.js';
import { invertMatrix, type Matrix3 } from './similarity/transform-matrix.js';

export type WarpOptions = Omit<AffineTransformOptions, 'offset'>;

/**
 * Resamples a 2D moving image into the reference's frame with a Met-db `matrix` (x, y pixel
 * coordinates, moving -> reference): output(q) = moving(matrix⁻¹ · q) for every reference pixel q,
 * with `affineTransform`'s splines and modes (default cubic, `cval` 0 outside). `outputShape`
 * defaults to the moving image's shape; pass the reference's.
 */
export function warpToReference(
  moving: NdArray,
  matrix: Matrix3,
  options: WarpOptions = {},
): NdArray<Float32Array | Float64Array> {
  return affineTransform(moving, indexMatrix(invertMatrix(matrix)), options);
}

/** A map of (x, y) points as scipy's homogeneous matrix of (row, column) indices. */
export function indexMatrix(m: Matrix3): number[][] {
  return [
    [m[1][1], m[1][0], m[1][2]],
    [m[0][1], m[0][0], m[0][2]],
    [0, 0, 1],
  ];
}
