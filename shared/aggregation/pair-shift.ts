import { aggregateTileShifts, type TileShift } from './robust-shift.js';

/** One tile of a pair of frames: its shift and weight, and whether its peak stands above chance. */
export interface PairTile extends TileShift {
  /** The tile's verdict is `good` (`judgeTile`: its peak above the chance level). */
  readonly good: boolean;
}

/** A pair of frames' shift from its tiles. */
export interface PairShiftOfTiles {
  /** The robust shift of the tiles (`aggregateTileShifts`), pixels, axis order (z,) y, x. */
  readonly shift: number[];
  /** The sum of the used tiles' weights (at least 1e-6): the pair's weight in the series solve. */
  readonly weight: number;
  /** Tiles used. */
  readonly used: number;
  /** Some tile of the pair has a peak above chance. */
  readonly good: boolean;
}

/**
 * A pair of frames' shift as the series solve takes it: the robust shift of its tiles
 * (`aggregateTileShifts`: outliers rejected, skipped and weightless tiles ignored), weighted by the
 * sum of the used tiles' weights.
 *
 * @throws MetdbError 'insufficient-data' when no tile is usable
 */
export function pairShiftOfTiles(tiles: readonly PairTile[]): PairShiftOfTiles {
  const solved = aggregateTileShifts(tiles);
  const out = new Set([...solved.rejected, ...solved.ignored]);
  const weight = tiles.reduce((w, t, k) => w + (out.has(k) ? 0 : t.weight), 0);
  return {
    shift: solved.shift,
    weight: Math.max(weight, 1e-6),
    used: solved.used,
    good: tiles.some((t) => t.good),
  };
}
