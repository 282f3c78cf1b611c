import type { QualityVerdict } from './quality-verdict.js';

/**
 * The 99th percentile of the peak ratio of unrelated tiles, as a multiple of sqrt(2 ln 2N) (N the
 * tile's pixels): measured by scripts/calibrate-tile-chance.ts over non-matching tiles of real
 * images, 64² to 256², phase and plain correlation: 1.39-2.37 (see docs/quality.md).
 */
export const CHANCE_PEAK_P99 = 2.4;

export interface TileEvidence {
  /** `registerTile`'s peakRatio (0 when skipped). */
  readonly peakRatio: number;
  /** Pixels in the tile. */
  readonly samples: number;
  /** Why the tile was not correlated, if it was not. */
  readonly skipped?: string | null;
}

/**
 * A tile's verdict from its correlation peak: `failed` when skipped or when the peak is no higher
 * than the typical largest value of a noise surface of that size (sqrt(2 ln 2N), where its weight
 * is 0); `low` while it stays under the 99th percentile of unrelated tiles; `good` above.
 */
export function judgeTile(tile: TileEvidence): QualityVerdict {
  if (tile.skipped) return { quality: 'failed', reasons: [`skipped: ${tile.skipped}`] };
  const chance = Math.sqrt(2 * Math.log(2 * Math.max(1, tile.samples)));
  const ratio = tile.peakRatio;
  if (!(ratio > chance)) {
    return {
      quality: 'failed',
      reasons: [`peak-at-chance: peak ratio ${ratio.toFixed(2)} <= ${chance.toFixed(2)}`],
    };
  }
  if (ratio < CHANCE_PEAK_P99 * chance) {
    return {
      quality: 'low',
      reasons: [`weak-peak: peak ratio ${ratio.toFixed(2)} < ${(CHANCE_PEAK_P99 * chance).toFixed(2)}`],
    };
  }
  return { quality: 'good', reasons: [] };
}
