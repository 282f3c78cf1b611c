import type { NdArray } from '../ndarray/ndarray.js';
import { invertMatrix, multiplyMatrices, type Matrix3 } from '../registration/similarity/transform-matrix.js';
import { warpBilinear } from '../registration/similarity/warp-bilinear.js';

/**
 * The moving image resampled (bilinearly) into the frame of one reference tile through a planned
 * transform `matrix` (x, y pixels, moving -> reference): tile pixel (x, y) is the moving image at
 * matrix⁻¹ · (start_x + x, start_y + y). Pixels with no source take the mean of those with one, so
 * that the tile's window sees no step. Float32, axis order y, x.
 *
 * @param region the reference tile: start and size, axis order y, x
 */
export function warpTile(
  moving: NdArray,
  matrix: readonly (readonly number[])[],
  region: { readonly start: readonly number[]; readonly size: readonly number[] },
): NdArray<Float32Array> {
  const [y0, x0] = region.start as [number, number];
  const [height, width] = region.size as [number, number];
  const toMoving = multiplyMatrices(invertMatrix(matrix as Matrix3), [
    [1, 0, x0],
    [0, 1, y0],
    [0, 0, 1],
  ]);
  const tile = warpBilinear(moving, toMoving, [height, width], Number.NaN);
  const data = tile.data;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  const fill = count === 0 ? 0 : sum / count;
  for (let i = 0; i < data.length; i++) if (data[i] !== data[i]) data[i] = fill;
  return tile;
}
