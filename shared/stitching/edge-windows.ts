import type { TilePair } from './neighbour-pairs.js';

/** One axis of the windows cut from the two tiles of a pair. */
export interface WindowAxis {
  /** Start of the window in tile i, pixels. */
  readonly startI: number;
  /** Start of the window in tile j. */
  readonly startJ: number;
  /** Length of both windows. */
  readonly length: number;
}

/** The windows of a pair: its expected overlap plus a margin, the same size in both tiles. */
export interface EdgeWindows {
  readonly x: WindowAxis;
  readonly y: WindowAxis;
}

/**
 * The regions of tiles i and j to correlate: the nominal overlap of the pair widened by `margin`
 * pixels on each side wherever the tile has pixels there. Along each axis the two windows have the
 * same length (N - |d| + margin, at most N), so that a true offset within `margin` of the nominal
 * one keeps the overlap inside both windows. Offsets are rounded to whole pixels.
 */
export function edgeWindows(
  pair: TilePair,
  width: number,
  height: number,
  marginX: number,
  marginY: number,
): EdgeWindows {
  return {
    x: windowAxis(Math.round(pair.dx), width, marginX),
    y: windowAxis(Math.round(pair.dy), height, marginY),
  };
}

function windowAxis(d: number, n: number, margin: number): WindowAxis {
  // Overlap [max(0, d), min(n, d + n)) in tile i, widened and clipped to both tiles.
  const lo = Math.max(0, d) - margin;
  const hi = Math.min(n, d + n) + margin;
  const startI = Math.max(0, lo);
  const endI = Math.min(n, hi);
  const startJ = Math.max(0, lo - d);
  const endJ = Math.min(n, hi - d);
  const length = Math.min(endI - startI, endJ - startJ);
  return { startI, startJ, length: Math.max(0, length) };
}
