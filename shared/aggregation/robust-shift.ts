import { MetdbError } from '../errors/metdb-error.js';
import { weightedMedian } from './weighted-median.js';

/** One tile's measurement, as `registerTile` gives it. */
export interface TileShift {
  /** Shift registering the moving tile onto the reference tile, pixels, axis order (z,) y, x. */
  readonly shift: readonly number[];
  /** Non-negative weight (e.g. `registerTile`'s `weight`); 0 ignores the tile. */
  readonly weight: number;
  /** A skipped tile (too flat, failed) is ignored whatever its shift and weight. */
  readonly skipped?: boolean;
}

export interface AggregateTileShiftsOptions {
  /**
   * A usable tile is rejected when the modified z-score 0.6745 (d - median d) / MAD(d) of its
   * residual norm d (distance to the weighted median) exceeds this (Iglewicz & Hoaglin 1993).
   * @default 3.5
   */
  outlierThreshold?: number;
  /**
   * Lower bound on MAD(d), pixels, so that tiles agreeing to the last digit (integer shifts) do
   * not make every small deviation an outlier. With the defaults a tile is kept while its residual
   * is within median d + 0.26 px.
   * @default 0.05
   */
  minSpread?: number;
  /** Fewer usable tiles than this is an error. @default 1 */
  minTiles?: number;
  /** Final estimator over the inliers. @default 'weighted-mean' */
  method?: 'weighted-mean' | 'weighted-median';
}

export interface AggregatedShift {
  /** The image's shift registering moving onto reference, pixels, axis order (z,) y, x. */
  shift: number[];
  /** Number of tiles in the estimate (usable and not rejected). */
  used: number;
  /** Indices (into the input) of usable tiles rejected as outliers, ascending. */
  rejected: number[];
  /** Indices of tiles ignored (skipped, weight 0 or not finite, non-finite shift), ascending. */
  ignored: number[];
  /** Per input tile, its shift minus the estimate (NaN entries where its shift is not finite). */
  residuals: number[][];
  /** Weighted RMS of the residual norms of the tiles used, pixels. */
  rms: number;
  /**
   * Standard error of the estimate per axis, pixels: sqrt(sum w^2 r^2) / sum w over the tiles used
   * (the sandwich estimate of a weighted mean's spread; 0 with one tile).
   */
  standardError: number[];
  method: 'weighted-mean' | 'weighted-median';
}

/**
 * Robust weighted estimate of one image's shift from its tiles' shifts:
 * 1. usable tiles: not skipped, finite positive weight, finite shift;
 * 2. a start: the weighted median per axis;
 * 3. outliers: usable tiles whose residual norm's modified z-score exceeds `outlierThreshold`
 *    (only with 3 or more usable tiles);
 * 4. the estimate: weighted mean (or median) of the remaining tiles.
 * Its breakdown point is that of the weighted median: outliers are harmless while they hold less
 * than half of the total weight. Deterministic and independent of the order of the tiles.
 *
 * @throws MetdbError 'insufficient-data' (permanent) when fewer than `minTiles` (at least 1) tiles
 *   are usable: callers record the image's registration as failed with this reason;
 *   'invalid-argument' for shifts of different lengths or a bad option
 */
export function aggregateTileShifts(
  tiles: readonly TileShift[],
  options: AggregateTileShiftsOptions = {},
): AggregatedShift {
  const { outlierThreshold = 3.5, minSpread = 0.05, minTiles = 1, method = 'weighted-mean' } = options;
  if (!(outlierThreshold > 0) || !(minSpread >= 0) || !Number.isInteger(minTiles)) {
    throw new MetdbError('invalid-argument', 'aggregateTileShifts: bad options', {
      details: { outlierThreshold, minSpread, minTiles },
    });
  }
  const ndim = tiles[0]?.shift.length ?? 0;
  if (tiles.some((t) => t.shift.length !== ndim)) {
    throw new MetdbError('invalid-argument', 'aggregateTileShifts: tile shifts have different lengths');
  }
  const usable: number[] = [];
  const ignored: number[] = [];
  tiles.forEach((t, i) => {
    const ok = !t.skipped && Number.isFinite(t.weight) && t.weight > 0 && t.shift.every(Number.isFinite);
    (ok ? usable : ignored).push(i);
  });
  if (usable.length < Math.max(1, minTiles)) {
    throw new MetdbError(
      'insufficient-data',
      `aggregateTileShifts: ${usable.length} usable tile(s) of ${tiles.length}, at least ${Math.max(1, minTiles)} needed`,
      { details: { tiles: tiles.length, usable: usable.length, minTiles } },
    );
  }
  const w = usable.map((i) => tiles[i]!.weight);
  const axis = (a: number, from: readonly number[]): number[] => from.map((i) => tiles[i]!.shift[a]!);
  const start = Array.from({ length: ndim }, (_, a) => weightedMedian(axis(a, usable), w));
  const distance = usable.map((i) => Math.hypot(...tiles[i]!.shift.map((s, a) => s - start[a]!)));
  const rejected: number[] = [];
  if (usable.length >= 3) {
    const centre = weightedMedian(distance, w);
    const mad = Math.max(
      weightedMedian(
        distance.map((d) => Math.abs(d - centre)),
        w,
      ),
      minSpread,
    );
    usable.forEach((i, k) => {
      if ((0.6745 * (distance[k]! - centre)) / mad > outlierThreshold) rejected.push(i);
    });
  }
  const inliers = usable.filter((i) => !rejected.includes(i));
  const wi = inliers.map((i) => tiles[i]!.weight);
  const total = wi.reduce((p, c) => p + c, 0);
  const shift = Array.from({ length: ndim }, (_, a) => {
    const v = axis(a, inliers);
    return method === 'weighted-median'
      ? weightedMedian(v, wi)
      : v.reduce((p, c, k) => p + c * wi[k]!, 0) / total;
  });
  const residuals = tiles.map((t) =>
    t.shift.map((s, a) => (Number.isFinite(s) ? s - shift[a]! : Number.NaN)),
  );
  let ss = 0;
  inliers.forEach((i, k) => (ss += wi[k]! * residuals[i]!.reduce((p, r) => p + r * r, 0)));
  const standardError = shift.map((_, a) =>
    inliers.length < 2
      ? 0
      : Math.sqrt(inliers.reduce((p, i, k) => p + (wi[k]! * residuals[i]![a]!) ** 2, 0)) / total,
  );
  return {
    shift: shift.map((s) => (s === 0 ? 0 : s)),
    used: inliers.length,
    rejected,
    ignored,
    residuals,
    rms: Math.sqrt(ss / total),
    standardError,
    method,
  };
}
