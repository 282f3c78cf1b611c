import type { TilePosition } from './tile-layout.js';

/** Two tiles expected to overlap: `j`'s nominal top-left corner minus `i`'s is (dx, dy). */
export interface TilePair {
  /** Index of the first tile (the smaller index). */
  readonly i: number;
  /** Index of the second tile. */
  readonly j: number;
  /** Nominal offset of tile j from tile i, pixels (x right, y down). */
  readonly dx: number;
  readonly dy: number;
}

export interface NeighbourPairsOptions {
  /**
   * Smallest nominal overlap area for a pair to count, as a fraction of the tile area: keeps the
   * side neighbours of a grid and drops corner (diagonal) contacts of small overlaps.
   * @default 0.02
   */
  readonly minOverlap?: number;
}

/**
 * The pairs of tiles whose nominal rectangles overlap by at least `minOverlap` of a tile: the
 * edges of the mosaic graph, registered one by one. Tiles share one size (width x height).
 */
export function neighbourPairs(
  tiles: readonly TilePosition[],
  width: number,
  height: number,
  options: NeighbourPairsOptions = {},
): TilePair[] {
  const { minOverlap = 0.02 } = options;
  const pairs: TilePair[] = [];
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) {
      const dx = tiles[j]!.x - tiles[i]!.x;
      const dy = tiles[j]!.y - tiles[i]!.y;
      const ox = width - Math.abs(dx);
      const oy = height - Math.abs(dy);
      if (ox > 0 && oy > 0 && ox * oy >= minOverlap * width * height) pairs.push({ i, j, dx, dy });
    }
  }
  return pairs;
}

/** Nominal overlap area of a pair, pixels. */
export function overlapArea(pair: TilePair, width: number, height: number): number {
  return Math.max(0, width - Math.abs(pair.dx)) * Math.max(0, height - Math.abs(pair.dy));
}
