import type { TimeBin } from '../aggregation/binned-drift.js';
import { seriesPairs } from '../aggregation/series-pairs.js';
import type { SeriesParams } from '../messages/series-settings.js';
import { planTiles, type TileRegion } from '../tiling/plan-tiles.js';
import type { SectionChain } from './section-chain.js';

/**
 * What a series job keeps in its parameters (`JobParams.series`): the series settings and the
 * frames as the file was read. Its units of work (tiles) are pairs of time bins x tiles of one
 * frame: tile index `pair * tilesPerPair + tile`, in the pair order of `seriesPairs`.
 */
export interface SeriesJob extends SeriesParams {
  /** Frames of the series (before binning). */
  frames: number;
  /** The shape of one frame, (z,) y, x. */
  frameShape: number[];
  /** The frame whose drift is zero (and, in `reference` mode, the one registered against). */
  referenceFrame: number;
  /**
   * A stack of sections aligned frame to frame with an affine model (`metdb.json` "model"), as
   * `metdb align` does; absent for a drift series. See section-chain.ts.
   */
  sections?: SectionChain;
}

/** A series job's layout: its time bins, the pairs of bins registered, the tiles of a frame. */
export interface SeriesLayout {
  readonly bins: TimeBin[];
  readonly pairs: [number, number][];
  readonly tiles: TileRegion[];
}

/** The bins, pairs and tiles of a series job; deterministic (the sweep rebuilds the same units). */
export function seriesLayout(
  series: SeriesJob,
  tiling: { tileSize: number | number[]; tileOverlap: number },
): SeriesLayout {
  const bins: TimeBin[] = [];
  for (let s = 0; s < series.frames; s += series.binFrames) {
    bins.push({ start: s, end: Math.min(series.frames, s + series.binFrames) });
  }
  const referenceBin = Math.min(bins.length - 1, Math.floor(series.referenceFrame / series.binFrames));
  const pairs = seriesPairs(bins.length, series.mode, { window: series.rccWindow, reference: referenceBin });
  const tiles = planTiles(series.frameShape, { tileSize: tiling.tileSize, overlap: tiling.tileOverlap });
  return { bins, pairs, tiles };
}

/** The series block of a job's parameters, when the job is a series'. */
export function seriesJobOf(parameters: unknown): SeriesJob | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const series = (parameters as { series?: unknown }).series;
  return typeof series === 'object' && series !== null ? (series as SeriesJob) : undefined;
}
