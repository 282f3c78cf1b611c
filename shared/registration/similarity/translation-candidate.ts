import type { NdArray } from '../../ndarray/ndarray.js';
import { phaseCrossCorrelation } from '../phase-cross-correlation.js';
import { centredTaper } from './centred-taper.js';
import { invertMatrix, multiplyMatrices, translationMatrix, type Matrix3 } from './transform-matrix.js';
import { warpBilinear } from './warp-bilinear.js';

/** A rotation and scale completed with its translation, and how well it matched. */
export interface Candidate {
  /** The rotation/scale `start` followed by the measured translation. */
  readonly matrix: Matrix3;
  /** Peak ratio of the translation's phase correlation: the candidate's score. */
  readonly peakRatio: number;
  /** The moving image warped by `start` into the reference frame (linear interpolation). */
  readonly warped: NdArray<Float32Array>;
}

/** The reference as candidates are correlated against it: tapered once for all of them. */
export interface CandidateTarget {
  readonly shape: readonly [number, number];
  readonly tapered: NdArray<Float32Array>;
}

export function candidateTarget(reference: NdArray): CandidateTarget {
  const [height, width] = reference.shape as [number, number];
  return { shape: [height, width], tapered: centredTaper(reference, 0, 0, width, height) };
}

/**
 * Completes a rotation/scale guess with its translation: warps the moving image into the reference
 * frame by `start` (bilinear; outside the moving image its mean), phase-correlates the tapered
 * pair, and prepends the measured shift. A wrong guess (the 180-degree twin, a spurious log-polar
 * peak) leaves no coherent peak: its peak ratio stays near that of noise.
 */
export function translationCandidate(target: CandidateTarget, moving: NdArray, start: Matrix3): Candidate {
  const [height, width] = target.shape;
  let mean = 0;
  for (let i = 0; i < moving.data.length; i++) mean += moving.data[i]!;
  mean /= moving.data.length;
  const warped = warpBilinear(moving, invertMatrix(start), [height, width], mean);
  const r = phaseCrossCorrelation(target.tapered, centredTaper(warped, 0, 0, width, height), {
    returnPeakRatio: true,
  });
  return {
    matrix: multiplyMatrices(translationMatrix(r.shift), start),
    peakRatio: r.peakRatio ?? 0,
    warped,
  };
}
