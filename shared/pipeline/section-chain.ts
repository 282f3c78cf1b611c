import type { CumulativeTransformsOptions } from '../aggregation/cumulative-transforms.js';
import { DEFAULT_LAMBDA, isAffineModel, type AffineModel } from '../aggregation/section-transform.js';
import {
  cumulativeOptionsOf,
  type OutputFrame,
  type StackAlignmentSettings,
} from '../messages/stack-alignment-settings.js';

/**
 * How a series job of sections is chained and written (`SeriesJob.sections`), as `metdb align`
 * reads it from `metdb.json`: the section-to-section model and its `lambda`, the chain's smoothing
 * and detrending (`cumulativeTransforms`' options from `preserveScales`, `fitParams`,
 * `subtractLinearFit`), and the frame the corrected stack is written in.
 */
export interface SectionChain {
  readonly model: AffineModel;
  readonly lambda: number;
  readonly chain: CumulativeTransformsOptions;
  readonly outputFrame: OutputFrame;
}

/** `metdb align`'s tiling: 256 px tiles without overlap, shifts to 1/20 px. */
export const SECTION_TILING = { tileSize: 256, tileOverlap: 0, upsampleFactor: 20 } as const;

/**
 * The section chain of a stack whose resolved `model` is an affine one (later patches win, field
 * by field), or undefined (a drift series). Only 2D frames are sections.
 */
export function sectionChainOf(
  model: unknown,
  lambda: number | undefined,
  frameShape: readonly number[],
  ...patches: (StackAlignmentSettings | undefined)[]
): SectionChain | undefined {
  if (!isAffineModel(model) || frameShape.length !== 2) return undefined;
  const settings: StackAlignmentSettings = {};
  for (const p of patches) {
    if (p === undefined) continue;
    for (const key of ['preserveScales', 'fitParams', 'subtractLinearFit', 'outputFrame'] as const) {
      if (p[key] !== undefined) (settings as Record<string, unknown>)[key] = p[key];
    }
  }
  return {
    model,
    lambda: lambda ?? DEFAULT_LAMBDA,
    chain: cumulativeOptionsOf(settings),
    outputFrame: settings.outputFrame ?? 'first',
  };
}
