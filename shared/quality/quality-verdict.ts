/** How far a registration can be believed. */
export const QUALITIES = ['good', 'low', 'failed'] as const;
export type Quality = (typeof QUALITIES)[number];

/** A verdict and the evidence that decided it, one line per finding (empty when good). */
export interface QualityVerdict {
  readonly quality: Quality;
  readonly reasons: readonly string[];
}

/** The evidence about one registered image (a pair: reference and moving). */
export interface RegistrationEvidence {
  /** Tiles planned, tiles correlated (not skipped as flat), tiles used in the solve. */
  readonly tilesTotal: number;
  readonly tilesCorrelated: number;
  readonly tilesUsed: number;
  /** Tiles whose own verdict is `good` (peak above chance, see `judgeTile`). */
  readonly tilesGood: number;
  /** RMS of the used tiles' residuals about the solved shift, pixels (null: fewer than 2 tiles). */
  readonly residualRms: number | null;
  /** The permutation test of `chanceLevel`: NCC and peak ratio of the pair, and their chance levels. */
  readonly nccAfter: number;
  readonly nccChance: number;
  readonly peakRatio: number;
  readonly peakRatioChance: number;
}

/**
 * Residual RMS (pixels) above which the tiles are said to disagree. Tiles of a correct
 * translation scatter by their noise, well under a pixel; more means the motion is not one
 * translation (rotation, deformation) or some tiles locked onto wrong peaks.
 */
export const MAX_AGREEING_RMS = 1;

/**
 * The verdict on a registered image (see docs/quality.md):
 * - `failed`: no tile could be used, or the NCC at the solved shift or the correlation peak does
 *   not clear the chance level of the permutation test (`chanceLevel`: the pair looks like an
 *   unrelated one);
 * - `low`: it clears chance, but the tiles disagree (residual RMS over `MAX_AGREEING_RMS`), only
 *   one tile or fewer than half of the correlated tiles were used, no tile's own peak stood above
 *   chance, or the NCC could not be computed;
 * - `good`: none of these.
 */
export function judgeRegistration(e: RegistrationEvidence): QualityVerdict {
  if (e.tilesUsed === 0) return { quality: 'failed', reasons: ['no-usable-tile: no tile could be used'] };
  const chance = judgeAgainstChance(e);
  if (chance.quality === 'failed') return chance;
  const reasons = [...chance.reasons];
  if (e.residualRms !== null && e.residualRms > MAX_AGREEING_RMS) {
    reasons.push(`tiles-disagree: residual RMS ${fmt(e.residualRms)} px exceeds ${MAX_AGREEING_RMS} px`);
  }
  if (e.tilesUsed === 1) reasons.push('single-tile: one tile, no agreement between tiles to check');
  else if (e.tilesUsed < 0.5 * e.tilesCorrelated) {
    reasons.push(`few-tiles: ${e.tilesUsed} of ${e.tilesCorrelated} correlated tiles used`);
  }
  if (e.tilesGood === 0) reasons.push('weak-peaks: no tile has a correlation peak above chance');
  return { quality: reasons.length === 0 ? 'good' : 'low', reasons };
}

/**
 * The permutation test alone (`chanceLevel`), for a pair registered as a whole (`metdb register`):
 * `failed` at chance, `low` when the NCC could not be computed, `good` otherwise.
 */
export function judgeAgainstChance(
  e: Pick<RegistrationEvidence, 'nccAfter' | 'nccChance' | 'peakRatio' | 'peakRatioChance'>,
): QualityVerdict {
  if (!Number.isFinite(e.nccAfter) || !Number.isFinite(e.nccChance)) {
    return { quality: 'low', reasons: ['ncc-unavailable: the NCC of the pair could not be computed'] };
  }
  if (!(e.nccAfter > e.nccChance)) {
    return failed(
      `ncc-at-chance: NCC ${fmt(e.nccAfter)} at the solved shift does not exceed ${fmt(e.nccChance)}, what registering mirror images of the moving image (unrelated content of the same kind) reaches`,
    );
  }
  if (!(e.peakRatio > e.peakRatioChance)) {
    return failed(
      `peak-at-chance: the correlation peak (ratio ${fmt(e.peakRatio)}) does not stand above those of mirror images of the moving image (${fmt(e.peakRatioChance)})`,
    );
  }
  return { quality: 'good', reasons: [] };
}

function failed(reason: string): QualityVerdict {
  return { quality: 'failed', reasons: [reason] };
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : String(value);
}
