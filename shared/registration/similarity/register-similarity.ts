import { MetdbError } from '../../errors/metdb-error.js';
import type { NdArray } from '../../ndarray/ndarray.js';
import { checkImage } from '../preprocess/check-image.js';
import { binImage } from '../preprocess/bin-image.js';
import { angleScalePeaks } from './angle-scale-peaks.js';
import { logPolarSpectrum, type LogPolarGrid } from './log-polar-spectrum.js';
import { refineDirect, binning } from './refine-direct.js';
import { resolveSimilarityOptions, type SimilarityOptions } from './similarity-options.js';
import {
  imageCentre,
  multiplyMatrices,
  similarityMatrix,
  similarityParameters,
  type Matrix3,
} from './transform-matrix.js';
import { candidateTarget, translationCandidate } from './translation-candidate.js';

export type { SimilarityOptions } from './similarity-options.js';

export interface SimilarityResult {
  /** moving -> reference, 3x3 homogeneous, (x, y) pixels, origin at the centre of the top-left pixel. */
  readonly matrix: Matrix3;
  /** Rotation of the matrix, degrees in (-180, 180]; positive turns +x toward +y (clockwise as shown). */
  readonly angle: number;
  /** Scale of the matrix: above 1 the reference shows the content larger than the moving image. */
  readonly scale: number;
  /** [y, x] pixels: where the moving image's centre lands in the reference, minus that centre. */
  readonly shift: [number, number];
  /** Peak ratio of the translation correlation of the chosen candidate (see `peakRatio`). */
  readonly peakRatio: number;
  /**
   * RMS intensity difference left after the direct refinement (gain and offset matched), relative to
   * the reference's standard deviation: near the noise level for a good match (NaN without refinement).
   */
  readonly residual: number;
  /** Fraction of the reference's pixels that the registered moving image covers (NaN without refinement). */
  readonly overlap: number;
}

/** Longest side the Fourier-Mellin stage works at; larger images are binned down to it (the direct refinement restores full precision). */
const COARSE_SIDE = 256;

/**
 * Similarity (or rigid) registration of two 2D images by the Fourier-Mellin transform, as
 * imreg_dft does it (B. S. Reddy and B. N. Chatterji, IEEE Trans. Image Process. 5, 1266, 1996):
 * 1. both images, binned to at most 512 pixels a side, are apodised (a disc), their log-magnitude
 *    spectra high-passed and resampled on a log-polar grid (`logPolarSpectrum`);
 * 2. phase correlation of the two grids gives rotation and scale (`angleScalePeaks`; subpixel by
 *    parabolas; scales outside `scaleRange` excluded), several peaks kept;
 * 3. each peak and its 180-degree twin is applied to the moving image and the translation measured
 *    by phase correlation; the highest translation peak wins (`translationCandidate`);
 * 4. optional further passes on the warped image (`iterations`), then a direct Gauss-Newton
 *    alignment of the intensities over the whole overlap, coarse to fine up to full resolution
 *    (`refineDirect`): the log-polar grid alone leaves errors of about a pixel at the corners.
 *
 * The result maps moving points onto reference points (see `Matrix3`); warp the moving image into
 * the reference frame with `warpToReference(moving, result.matrix)`.
 *
 * @param reference 2D image, axis order y, x
 * @param moving 2D image (any size)
 * @throws MetdbError 'invalid-argument' (not 2D, too small, options), 'empty-array', 'non-finite'
 */
export function registerSimilarity(
  reference: NdArray,
  moving: NdArray,
  options?: SimilarityOptions,
): SimilarityResult {
  const opts = resolveSimilarityOptions(options);
  for (const [image, name] of [
    [reference, 'reference'],
    [moving, 'moving'],
  ] as const) {
    checkImage(image, `registerSimilarity (${name})`);
    if (image.shape.length !== 2 || Math.min(...image.shape) < 16) {
      throw new MetdbError(
        'invalid-argument',
        `registerSimilarity: the ${name} image must be 2D and at least 16x16, got [${image.shape.join(', ')}]`,
      );
    }
  }
  const factor = Math.max(1, Math.ceil(Math.max(...reference.shape, ...moving.shape) / COARSE_SIDE));
  const ref = factor === 1 ? reference : binImage(reference, { factor, dtype: 'float32' });
  const mov = factor === 1 ? moving : binImage(moving, { factor, dtype: 'float32' });
  const grid = gridFor(Math.min(...ref.shape, ...mov.shape));
  const refSignature = logPolarSpectrum(ref, grid);
  const refCentre = imageCentre(ref.shape);
  const movCentre = imageCentre(mov.shape);
  const toCentre: [number, number] = [refCentre[1] - movCentre[1], refCentre[0] - movCentre[0]];

  const target = candidateTarget(ref);
  let best: { matrix: Matrix3; peakRatio: number } | null = null;
  const peaks = angleScalePeaks(
    refSignature,
    logPolarSpectrum(mov, grid),
    grid,
    opts.scaleRange,
    opts.candidates,
  );
  for (const peak of peaks) {
    const scale = opts.model === 'rigid' ? 1 : peak.scale;
    for (const twin of [0, 180]) {
      const start = similarityMatrix(peak.angle + twin, scale, toCentre, movCentre);
      const candidate = translationCandidate(target, mov, start);
      if (best === null || candidate.peakRatio > best.peakRatio) best = candidate;
    }
  }
  if (best === null)
    throw new MetdbError(
      'insufficient-data',
      'registerSimilarity: no rotation/scale peak in the scale range',
    );

  for (let pass = 1; pass < opts.iterations; pass++) {
    const residual = residualPass(ref, mov, best.matrix, grid, opts.scaleRange);
    if (residual === null) break;
    best = residual;
  }

  let matrix = fromCoarse(best.matrix, factor);
  let residual = Number.NaN;
  let overlap = Number.NaN;
  if (opts.refine) {
    const refined = refineDirect(reference, moving, matrix, opts.model === 'rigid');
    if (refined !== null) ({ matrix, residual, overlap } = refined);
  }
  const { angle, scale, shift } = similarityParameters(matrix, imageCentre(moving.shape));
  return {
    matrix,
    angle,
    scale: opts.model === 'rigid' ? 1 : scale,
    shift,
    peakRatio: best.peakRatio,
    residual,
    overlap,
  };
}

/** The log-polar grid for a working size: as many angles as pixels on the side, half as many radii. */
function gridFor(side: number): LogPolarGrid {
  return { angles: side, radii: side >> 1, minFrequency: Math.min(0.05, 4 / side), maxFrequency: 0.45 };
}

/** A further Fourier-Mellin pass: the rotation and scale left after warping by `matrix`, composed with it. */
function residualPass(
  ref: NdArray,
  mov: NdArray,
  matrix: Matrix3,
  grid: LogPolarGrid,
  scaleRange: readonly [number, number],
): { matrix: Matrix3; peakRatio: number } | null {
  const target = candidateTarget(ref);
  const warped = translationCandidate(target, mov, matrix).warped;
  const [peak] = angleScalePeaks(
    logPolarSpectrum(ref, grid),
    logPolarSpectrum(warped, grid),
    grid,
    scaleRange,
    1,
  );
  if (peak === undefined) return null;
  const scale = scaleRange[0] === 1 && scaleRange[1] === 1 ? 1 : peak.scale;
  const centre = imageCentre(ref.shape);
  const correction = similarityMatrix(peak.angle, scale, [0, 0], centre);
  return translationCandidate(target, mov, multiplyMatrices(correction, matrix));
}

/** A matrix on images binned by `factor` as a matrix on the full images. */
function fromCoarse(m: Matrix3, factor: number): Matrix3 {
  return factor === 1 ? m : multiplyMatrices(binning(factor, 1), multiplyMatrices(m, binning(factor, -1)));
}
