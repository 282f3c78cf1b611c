import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import { maskedNcc } from '../aggregation/masked-ncc.js';
import type { AffineModel } from '../aggregation/section-transform.js';
import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { imageCentre, invertMatrix } from '../registration/similarity/transform-matrix.js';
import { warpBilinear } from '../registration/similarity/warp-bilinear.js';
import { predictShift } from './predict-shift.js';
import {
  sectionPairTransform,
  type SectionPairTransformOptions,
  type SectionPairTransformResult,
} from './section-pair-transform.js';

export interface RegisterAffineOptions extends Omit<SectionPairTransformOptions, 'model' | 'offset'> {
  /** @default 'affine' */
  model?: AffineModel;
}

export interface RegisterAffineResult extends SectionPairTransformResult {
  /** The model asked for (`model` is the one fitted: 'translation' when flagged). */
  readonly requested: AffineModel;
  /** Where the moving image's centre goes, minus the centre: [y, x] pixels. */
  readonly shift: [number, number];
  /** Pearson correlation of the pair as given, and over the overlap after the transform. */
  readonly nccBefore: number;
  readonly nccAfter: number;
}

/**
 * An affine model (the FIB-SEM toolkit's: 'affine', 'xscale-shift', 'scale-shift',
 * 'regularized-affine') of a 2D pair from its tiles' shifts: the whole-image shift first
 * (`predictShift`, coarse and binned), then every tile registered where that shift put its content
 * and the model fitted to the tile centres by weighted least squares with outliers dropped
 * (`sectionPairTransform`). The `matrix` maps moving points onto the reference, (x, y) pixels from
 * the centre of the top-left pixel. Too few tiles for the model: a shift, `flagged`.
 */
export function registerAffine(
  reference: NdArray,
  moving: NdArray,
  options: RegisterAffineOptions = {},
): RegisterAffineResult {
  const { model = 'affine', ...rest } = options;
  if (reference.shape.length !== 2 || moving.shape.length !== 2) {
    throw new MetdbError(
      'invalid-argument',
      `model ${model} needs 2D images (this pair is ${reference.shape.length}D and ${moving.shape.length}D)`,
    );
  }
  const { offset } = predictShift(reference, moving);
  const fit = sectionPairTransform(reference, moving, { ...rest, model, offset });
  const [cx, cy] = imageCentre(moving.shape);
  const m = fit.matrix;
  const shift: [number, number] = [
    m[1][0] * cx + m[1][1] * cy + m[1][2] - cy,
    m[0][0] * cx + m[0][1] * cy + m[0][2] - cx,
  ];
  const warped = warpBilinear(moving, invertMatrix(m), reference.shape as [number, number], Number.NaN);
  return {
    ...fit,
    requested: model,
    shift,
    nccBefore: normalizedCrossCorrelation(reference, moving),
    nccAfter: maskedNcc(reference, warped),
  };
}
