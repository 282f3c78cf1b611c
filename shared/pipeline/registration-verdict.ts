import type { ChanceLevel } from '../quality/chance-level.js';
import { judgeRegistration, type QualityVerdict } from '../quality/quality-verdict.js';
import type { TileResultRow } from '../records/database-schema.js';

/**
 * The verdict on a job's registration (`judgeRegistration`) from its tile rows, the solve's
 * `used` tiles and residual `rms` (translation or fitted model alike), and the permutation test
 * (absent when the images could not be read: the verdict then says the NCC is unavailable).
 */
export function registrationVerdict(
  tiles: readonly TileResultRow[],
  solved: { readonly used: number; readonly rms: number },
  chance: ChanceLevel | undefined,
): QualityVerdict {
  return judgeRegistration({
    tilesTotal: tiles.length,
    tilesCorrelated: tiles.filter((t) => !t.skipped).length,
    tilesUsed: solved.used,
    tilesGood: tiles.filter((t) => t.quality === 'good').length,
    residualRms: solved.used > 1 && Number.isFinite(solved.rms) ? solved.rms : null,
    nccAfter: chance?.nccAfter ?? Number.NaN,
    nccChance: chance?.nccChance ?? Number.NaN,
    peakRatio: chance?.peakRatio ?? Number.NaN,
    peakRatioChance: chance?.peakRatioChance ?? Number.NaN,
  });
}
