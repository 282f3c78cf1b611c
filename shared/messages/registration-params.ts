import { z } from 'zod';
import {
  validatePreprocessOptions,
  type PreprocessOptions,
} from '../registration/preprocess/validate-preprocess-options.js';

/**
 * Preprocessing applied to both tiles before phase correlation: the engine's JSON-friendly
 * `PreprocessOptions` (`hotPixels`, `clip`, `background`, `bin`, `window`, `dtype`; each step
 * skipped when absent or false), checked by the engine's own `validatePreprocessOptions` and
 * returned normalised (defaults filled in), so the message and the engine cannot disagree.
 */
export const PreprocessingSchema = z.looseObject({}).transform((value, ctx): PreprocessOptions => {
  try {
    return validatePreprocessOptions(value);
  } catch (error) {
    ctx.issues.push({
      code: 'custom',
      message: error instanceof Error ? error.message : String(error),
      input: value,
    });
    return z.NEVER;
  }
});
export type Preprocessing = z.output<typeof PreprocessingSchema>;

/** The transform models a job can solve (see `RegistrationParamsSchema.model`). */
export const TransformModelSchema = z.enum(['translation', 'rigid', 'similarity']);
export type JobModel = z.output<typeof TransformModelSchema>;

/**
 * Limits of `upsampleFactor`: 1 gives whole pixels; beyond 1000 the precision is far below what
 * noise and interpolation allow, and the upsampled DFT's cost grows with the factor.
 */
export const UPSAMPLE_FACTOR_LIMITS = { min: 1, max: 1000 } as const;

/**
 * Upper bounds of the tile registration's `noiseRegularization` and `refinements`, to catch a
 * mistyped value at the edge (the defaults are 16 and 1).
 */
export const NOISE_REGULARIZATION_MAX = 1e4;
export const REFINEMENTS_MAX = 4;

/**
 * Everything a tile worker needs to register one tile, fully resolved (no defaults left to the
 * worker): the meaning of `upsampleFactor` and `normalization` is scikit-image's
 * `phase_cross_correlation`.
 */
export const RegistrationParamsSchema = z.strictObject({
  /** Subpixel precision 1/upsampleFactor pixel (1 = integer shifts). */
  upsampleFactor: z.number().min(UPSAMPLE_FACTOR_LIMITS.min).max(UPSAMPLE_FACTOR_LIMITS.max),
  normalization: z.enum(['phase', 'none']),
  preprocessing: PreprocessingSchema,
  /**
   * Tiles whose signal (`tileSignal`: variance over the noise variance estimated from neighbouring
   * pixel differences, minus 1; unitless, about 0 for noise or flat tiles) is below this are
   * skipped and recorded as such, never aggregated. 0 keeps every tile (noise-only tiles still
   * weigh about 0 through their correlation peak ratio).
   */
  minTileSignal: z.number().min(0),
  /** Channel index to register in multi-channel images. */
  channel: z.int().min(0).max(255),
  /**
   * The transform model: 'translation' (absent: the default), or, for 2D images, 'rigid' (rotation
   * and translation) or 'similarity' (rotation, uniform scale, translation): solved on the whole
   * image first (`registerSimilarity`, Fourier-Mellin), then refined by a least-squares fit of the
   * tiles' shifts to the model.
   */
  model: TransformModelSchema.optional(),
  /**
   * With normalization 'phase', how far above the pixel noise the tiles' common signal must stand
   * for a frequency to keep phase correlation's weight (`registerTile`'s `noiseRegularization`; 0
   * is plain phase correlation). Absent: `registerTile`'s default (16).
   */
  noiseRegularization: z.number().min(0).max(NOISE_REGULARIZATION_MAX).optional(),
  /** Refinement passes of each tile (`registerTile`'s `refinements`; 0: none). Absent: the default (1). */
  refinements: z.int().min(0).max(REFINEMENTS_MAX).optional(),
});
export type RegistrationParams = z.output<typeof RegistrationParamsSchema>;

/** Parameters as a person gives them (reprocess, `metdb.json`): any subset, validated field by field. */
export const RegistrationParamsPatchSchema = z.strictObject({
  upsampleFactor: RegistrationParamsSchema.shape.upsampleFactor.optional(),
  normalization: RegistrationParamsSchema.shape.normalization.optional(),
  preprocessing: PreprocessingSchema.optional(),
  minTileSignal: RegistrationParamsSchema.shape.minTileSignal.optional(),
  channel: RegistrationParamsSchema.shape.channel.optional(),
  model: TransformModelSchema.optional(),
  noiseRegularization: RegistrationParamsSchema.shape.noiseRegularization,
  refinements: RegistrationParamsSchema.shape.refinements,
  /** Tile edge in pixels along each axis (y, x) or (z, y, x); one number for all axes. */
  tileSize: z
    .union([z.int().min(8).max(65_536), z.array(z.int().min(8).max(65_536)).min(2).max(3)])
    .optional(),
  /** Overlap between neighbouring tiles, as a fraction of the tile size in [0, 0.9]. */
  tileOverlap: z.number().min(0).max(0.9).optional(),
});
export type RegistrationParamsPatch = z.output<typeof RegistrationParamsPatchSchema>;
