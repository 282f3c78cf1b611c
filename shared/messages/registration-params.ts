import { z } from 'zod';

/**
 * Preprocessing applied to both tiles before phase correlation, in this order: binning,
 * hot-pixel suppression, background removal, percentile clipping, window. Each step is off when
 * its field is absent (or `window: 'none'`).
 */
export const PreprocessingSchema = z.strictObject({
  /** Sum blocks of `bin` pixels along every axis before registering (shifts are reported in full-resolution pixels). */
  bin: z.int().min(1).max(16).optional(),
  /** Replace pixels further than this many median absolute deviations from their 3x3 median. */
  hotPixelThreshold: z.number().positive().max(1000).optional(),
  /** Subtract a Gaussian-blurred copy with this sigma, in pixels. */
  backgroundSigma: z.number().positive().max(10_000).optional(),
  /** Clip intensities to these [low, high] percentiles, each in [0, 100], low < high. */
  clipPercentiles: z
    .tuple([z.number().min(0).max(100), z.number().min(0).max(100)])
    .refine(([low, high]) => low < high, 'low percentile must be below high')
    .optional(),
  /** Window applied to each tile against edge effects. */
  window: z.enum(['none', 'hann', 'tukey']),
  /** Tukey window taper fraction in [0, 1] (0: rectangular, 1: Hann). Only with `window: 'tukey'`. */
  tukeyAlpha: z.number().min(0).max(1).optional(),
});
export type Preprocessing = z.output<typeof PreprocessingSchema>;

/**
 * Everything a tile worker needs to register one tile, fully resolved (no defaults left to the
 * worker): the meaning of `upsampleFactor` and `normalization` is scikit-image's
 * `phase_cross_correlation`.
 */
export const RegistrationParamsSchema = z.strictObject({
  /** Subpixel precision 1/upsampleFactor pixel (1 = integer shifts). */
  upsampleFactor: z.number().min(1).max(1000),
  normalization: z.enum(['phase', 'none']),
  preprocessing: PreprocessingSchema,
  /**
   * Tiles whose reference standard deviation (after preprocessing, in intensity units) is below
   * this are skipped and recorded as such, never aggregated. 0 keeps every tile.
   */
  minTileSignal: z.number().min(0),
  /** Channel index to register in multi-channel images. */
  channel: z.int().min(0).max(255),
});
export type RegistrationParams = z.output<typeof RegistrationParamsSchema>;

/** Parameters as a person gives them (reprocess, `metdb.json`): any subset, validated field by field. */
export const RegistrationParamsPatchSchema = z.strictObject({
  upsampleFactor: RegistrationParamsSchema.shape.upsampleFactor.optional(),
  normalization: RegistrationParamsSchema.shape.normalization.optional(),
  preprocessing: PreprocessingSchema.partial().optional(),
  minTileSignal: RegistrationParamsSchema.shape.minTileSignal.optional(),
  channel: RegistrationParamsSchema.shape.channel.optional(),
  /** Tile edge in pixels along each axis (y, x) or (z, y, x); one number for all axes. */
  tileSize: z
    .union([z.int().min(8).max(65_536), z.array(z.int().min(8).max(65_536)).min(2).max(3)])
    .optional(),
  /** Overlap between neighbouring tiles, as a fraction of the tile size in [0, 0.9]. */
  tileOverlap: z.number().min(0).max(0.9).optional(),
});
export type RegistrationParamsPatch = z.output<typeof RegistrationParamsPatchSchema>;
