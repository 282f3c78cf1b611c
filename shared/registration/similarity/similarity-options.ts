import { MetdbError } from '../../errors/metdb-error.js';
import { checkNumber, checkOptionKeys } from '../preprocess/check-options.js';

export interface SimilarityOptions {
  /** 'similarity' (rotation, uniform scale, translation) or 'rigid' (scale fixed at 1). @default 'similarity' */
  model?: 'rigid' | 'similarity';
  /**
   * The scales searched, [min, max], as the scale of the result's matrix (moving -> reference).
   * Ignored by 'rigid'.
   * @default [0.5, 2]
   */
  scaleRange?: readonly [number, number];
  /**
   * Fourier-Mellin passes (imreg_dft's `numiter`): each further pass measures the rotation and scale
   * left between the reference and the moving image warped by the previous estimate.
   * @default 1
   */
  iterations?: number;
  /**
   * Peaks of the log-polar correlation tried, each with its 180-degree twin; the pair whose
   * translation correlation peaks highest wins.
   * @default 3
   */
  candidates?: number;
  /**
   * Refine the result by a least-squares fit of the model to the shifts of patches (see
   * `refineFromPatches`); without it the accuracy is that of the log-polar grid.
   * @default true
   */
  refine?: boolean;
}

export interface ResolvedSimilarityOptions {
  readonly model: 'rigid' | 'similarity';
  readonly scaleRange: readonly [number, number];
  readonly iterations: number;
  readonly candidates: number;
  readonly refine: boolean;
}

const KEYS = ['model', 'scaleRange', 'iterations', 'candidates', 'refine'] as const;

export function resolveSimilarityOptions(options: SimilarityOptions | undefined): ResolvedSimilarityOptions {
  checkOptionKeys(options, KEYS, 'registerSimilarity');
  const o = options ?? {};
  const model = o.model ?? 'similarity';
  if (model !== 'rigid' && model !== 'similarity') {
    throw new MetdbError(
      'invalid-argument',
      `registerSimilarity: model must be 'rigid' or 'similarity', got ${JSON.stringify(model)}`,
    );
  }
  const range = o.scaleRange ?? [0.5, 2];
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !range.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0) ||
    range[0] > 1 ||
    range[1] < 1
  ) {
    throw new MetdbError(
      'invalid-argument',
      `registerSimilarity: scaleRange must be [min, max] with 0 < min <= 1 <= max, got ${JSON.stringify(range)}`,
    );
  }
  const iterations = checkNumber(o.iterations, 1, 'iterations', 1, 10);
  const candidates = checkNumber(o.candidates, 3, 'candidates', 1, 20);
  if (!Number.isInteger(iterations) || !Number.isInteger(candidates)) {
    throw new MetdbError(
      'invalid-argument',
      'registerSimilarity: iterations and candidates must be integers',
    );
  }
  const refine = o.refine ?? true;
  if (typeof refine !== 'boolean')
    throw new MetdbError('invalid-argument', 'registerSimilarity: refine must be a boolean');
  return {
    model,
    scaleRange: model === 'rigid' ? [1, 1] : [range[0], range[1]],
    iterations,
    candidates,
    refine,
  };
}
