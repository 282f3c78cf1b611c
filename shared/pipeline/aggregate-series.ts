import { binnedDrift } from '../aggregation/binned-drift.js';
import type { PairShift } from '../aggregation/redundant-cross-correlation.js';
import { pairShiftOfTiles, type PairTile } from '../aggregation/pair-shift.js';
import { seriesDriftJson } from '../drift/drift-json.js';
import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import { judgeSeries } from '../quality/judge-series.js';
import type { TileResultRow } from '../records/database-schema.js';
import type { SolvedSection } from '../records/section-matrices-repository.js';
import type { SolvedFrame } from '../records/series-repository.js';
import { solveSectionSeries } from './aggregate-section-series.js';
import type { JobParams } from './dataset-settings.js';
import { seriesLayout, type SeriesJob } from './series-job.js';

/** A series' solution, ready to record: the trajectory document and one row per frame. */
export interface SeriesSolution {
  /** `drift.json`'s document (without pixel sizes), plus each pair's tiles and each frame's verdict. */
  readonly trajectory: Record<string, unknown>;
  readonly frames: SolvedFrame[];
  /** Pairs of bins whose tiles gave no usable shift. */
  readonly pairsFailed: number;
  /** A stack of sections (`series.sections`): each section's matrices (aggregate-section-series.ts). */
  readonly sections?: SolvedSection[];
}

/** A pair's shift is dropped from the solve beyond this residual, pixels (`binnedDrift`). */
const MAX_PAIR_RESIDUAL = 0.5;

/**
 * Solves a series job from its tile results (the series solve, the job's aggregation): per pair
 * of time bins, the robust shift of its tiles (`aggregateTileShifts`, weight the sum of the used
 * tiles' weights); then the bins' positions by weighted least squares over the pairs, outlier
 * pairs dropped (`binnedDrift`, RCC), interpolated onto every frame (bins no usable pair reaches
 * are bridged); the verdict per frame and on the trajectory (`judgeSeries`). Pure: no IO.
 *
 * @throws MetdbError 'insufficient-data' when no pair of frames had a usable tile
 */
export function solveSeries(
  tiles: readonly TileResultRow[],
  params: JobParams & { series: SeriesJob },
  file: string,
): SeriesSolution {
  const { series } = params;
  if (series.sections !== undefined)
    return solveSectionSeries(tiles, { ...params, series: { ...series, sections: series.sections } }, file);
  const layout = seriesLayout(series, params);
  const perPair = layout.tiles.length;
  const byUnit = new Map(tiles.map((t) => [t.tile_index, t]));
  const pairs: PairShift[] = [];
  // Per pair of the layout; `pair`: its index among the solved pairs, when it had a usable tile.
  const pairTiles: { i: number; j: number; used: number; good: boolean; failed?: string; pair?: number }[] =
    [];
  layout.pairs.forEach(([i, j], p) => {
    const own = layout.tiles.map((_, t) => byUnit.get(p * perPair + t)).filter((t) => t !== undefined);
    try {
      const { shift, weight, used, good } = pairShiftOfTiles(own.map(tileShiftOf));
      pairTiles.push({ i, j, used, good, pair: pairs.length });
      pairs.push({ i, j, shift, weight });
    } catch (error) {
      if (!isMetdbError(error, 'insufficient-data')) throw error;
      pairTiles.push({ i, j, used: 0, good: false, failed: error.message });
    }
  });
  if (pairs.length === 0) {
    throw new MetdbError(
      'insufficient-data',
      `none of the ${layout.pairs.length} pairs of frames had a usable tile`,
    );
  }
  const times = Array.from({ length: series.frames }, (_, f) => f);
  const solved = binnedDrift(pairs, layout.bins, times, {
    referenceTime: series.referenceFrame,
    interpolation: series.interpolation,
    maxResidual: MAX_PAIR_RESIDUAL,
  });
  const shifts = solved.drift.map((d) => d.map((v) => (v === 0 ? 0 : -v)));
  const document = JSON.parse(
    seriesDriftJson(
      { ...solved, shifts, bins: layout.bins, pairs },
      {
        mode: series.mode,
        rccWindow: series.rccWindow,
        binFrames: series.binFrames,
        interpolation: series.interpolation,
        referenceFrame: series.referenceFrame,
        files: [file],
      },
    ),
  ) as Record<string, unknown>;
  const dropped = new Set(solved.solve.rejected);
  const verdict = judgeSeries({
    bins: layout.bins,
    pairs: pairTiles.map((p) => ({
      i: p.i,
      j: p.j,
      aboveChance: p.good,
      failed: p.failed !== undefined,
      rejected: p.pair !== undefined && dropped.has(p.pair),
    })),
    bridged: solved.bridged,
    errors: solved.errors,
    maxResidual: MAX_PAIR_RESIDUAL,
    referenceFrame: series.referenceFrame,
  });
  const frames: SolvedFrame[] = solved.drift.map((drift, f) => ({
    drift,
    error: solved.errors[f]!,
    quality: verdict.frames[f]!.quality,
  }));
  return {
    trajectory: {
      ...document,
      quality: verdict.series.quality,
      qualityReasons: verdict.series.reasons,
      pairTiles: pairTiles.map(({ pair, ...p }) => ({
        ...p,
        rejected: pair !== undefined && dropped.has(pair),
      })),
      bridgedBins: solved.bridged,
      frameQuality: frames.map((f) => f.quality),
      frameReasons: verdict.frames.map((v) => v.reasons),
    },
    frames,
    pairsFailed: pairTiles.filter((p) => p.failed !== undefined).length,
  };
}

function tileShiftOf(t: TileResultRow): PairTile {
  const shift = t.region.start.length === 3 ? [t.shift_z, t.shift_y, t.shift_x] : [t.shift_y, t.shift_x];
  return {
    shift: shift.map((s) => s ?? Number.NaN),
    weight: t.weight ?? 0,
    skipped: t.skipped,
    good: t.quality === 'good',
  };
}
