import { z } from 'zod';
import type { CumulativeTransformsOptions } from '../aggregation/cumulative-transforms.js';

/**
 * How a stack's sections are chained and written (`metdb.json`, read by `metdb align` and by the
 * pipeline for a stack with an affine `model`), with the
 * FIB-SEM registration toolkit's names (`preserve_scales`, `fit_params`, `subtract_linear_fit`) in
 * camel case. Every field optional; see docs/fibsem.md.
 */
export const StackAlignmentSettingsSchema = z.strictObject({
  /** Remove the slow drift of scale and shear from the cumulative transforms. @default false */
  preserveScales: z.boolean().optional(),
  /**
   * How that drift is found: `["SG", window, order]` Savitzky-Golay, `["LF"]` a line through the
   * identity at section 0, `["PF", order]` a polynomial. @default ["SG", 101, 3]
   */
  fitParams: z
    .union([
      z.tuple([z.literal('SG'), z.int().min(1).max(100_001), z.int().min(0).max(10)]),
      z.tuple([z.literal('LF')]),
      z.tuple([z.literal('PF'), z.int().min(0).max(10)]),
    ])
    .optional(),
  /** Subtract a straight line from the cumulative x and y shifts, per axis. @default [false, false] */
  subtractLinearFit: z.tuple([z.boolean(), z.boolean()]).optional(),
  /**
   * The frame the aligned stack is written in: `first` (section 0's), `pad` (grown to hold every
   * section whole: the toolkit's `pad_edges`) or `crop` (cut to the region every section covers).
   * @default 'first'
   */
  outputFrame: z.enum(['first', 'pad', 'crop']).optional(),
});
export type StackAlignmentSettings = z.output<typeof StackAlignmentSettingsSchema>;

/** The frame an aligned stack is written in (`StackAlignmentSettings.outputFrame`). */
export type OutputFrame = 'first' | 'pad' | 'crop';

/** `cumulativeTransforms`' options from the settings. */
export function cumulativeOptionsOf(settings: StackAlignmentSettings): CumulativeTransformsOptions {
  const options: CumulativeTransformsOptions = {};
  if (settings.preserveScales) {
    const fit = settings.fitParams ?? ['SG', 101, 3];
    options.smoothing =
      fit[0] === 'SG'
        ? { fit: 'savitzky-golay', window: fit[1], order: fit[2] }
        : fit[0] === 'LF'
          ? { fit: 'linear' }
          : { fit: 'polynomial', order: fit[1] };
  }
  if (settings.subtractLinearFit !== undefined) options.subtractLinearTrend = settings.subtractLinearFit;
  return options;
}
