import { maskedNcc } from '../aggregation/masked-ncc.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { binImage } from '../registration/preprocess/bin-image.js';
import { binning } from '../registration/similarity/refine-direct.js';
import { registerSimilarity } from '../registration/similarity/register-similarity.js';
import { invertMatrix, multiplyMatrices, type Matrix3 } from '../registration/similarity/transform-matrix.js';
import { warpBilinear } from '../registration/similarity/warp-bilinear.js';
import { chanceLevel, chanceLevelOf, mirrorImages, type ChanceLevel } from './chance-level.js';

/** Longest side the test works at (the pipeline's coarse similarity stage works at 256 too). */
const TEST_SIDE = 256;

/**
 * The permutation test of `chanceLevel` for a rigid or similarity registration. Both images are
 * binned alike to at most 256 px a side and the moving image is warped through `matrix` into the
 * reference's frame; then:
 * - `nccAfter` is the NCC over their overlap, `peakRatio` the phase correlation peak ratio of the
 *   reference and the aligned moving image;
 * - the aligned moving image's mirror images are registered onto the reference by translation
 *   (`chanceLevel`), giving NCCs and peak ratios of unrelated content of the same kind;
 * - so that the search over rotations and scales is part of the test too, each reflection of the
 *   moving image (the mirrorings that no rotation undoes) is registered with the model itself, as
 *   the pipeline's coarse stage does (`registerSimilarity` without refinement), giving one more NCC
 *   each (its peak ratio is not of the same kind: NaN).
 * Pure and deterministic.
 *
 * @param reference 2D reference pixels, axis order y, x
 * @param moving 2D moving pixels (any size)
 * @param matrix moving -> reference, (x, y) pixels from the centre of the top-left pixel
 */
export function transformChanceLevel(
  reference: NdArray,
  moving: NdArray,
  matrix: Matrix3,
  model: 'rigid' | 'similarity',
): ChanceLevel {
  const factor = Math.max(1, Math.ceil(Math.max(...reference.shape, ...moving.shape) / TEST_SIDE));
  const bin = (image: NdArray) => (factor === 1 ? image : binImage(image, { factor, dtype: 'float32' }));
  const a = bin(reference);
  const b = bin(moving);
  const shape = a.shape as [number, number];
  const warp = (image: NdArray, m: Matrix3) => warpBilinear(image, invertMatrix(m), shape, Number.NaN);
  const coarse = multiplyMatrices(binning(factor, -1), multiplyMatrices(matrix, binning(factor, 1)));
  const warped = warp(b, coarse);
  const aligned = chanceLevel(a, fillUndefined(warped), [0, 0]);
  const reflections = mirrorImages(b, true).map((mirrored) => {
    const found = registerSimilarity(a, mirrored, { model, refine: false }).matrix;
    return { ncc: maskedNcc(a, warp(mirrored, found)), peakRatio: Number.NaN };
  });
  return chanceLevelOf(maskedNcc(a, warped), aligned.peakRatio, [...aligned.mirrors, ...reflections]);
}

/** The image with its undefined (NaN) pixels set to the mean of the defined ones. */
function fillUndefined(image: NdArray<Float32Array>): NdArray<Float32Array> {
  let sum = 0;
  let n = 0;
  for (const v of image.data) {
    if (v !== v) continue;
    sum += v;
    n++;
  }
  const mean = n === 0 ? 0 : sum / n;
  return { data: image.data.map((v) => (v === v ? v : mean)), shape: image.shape };
}
