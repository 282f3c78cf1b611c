import { MetdbError } from '../errors/metdb-error.js';

/** One tile: the box `[start, start + size)` along each axis, axis order (z,) y, x, in pixels. */
export interface TileRegion {
  /** 0-based position in the plan's deterministic (row-major over the tile grid) order. */
  readonly index: number;
  readonly start: readonly number[];
  readonly size: readonly number[];
  /** Position of the tile in the tile grid, one integer per axis (for per-tile shift-field plots). */
  readonly grid: readonly number[];
}

export interface PlanTilesOptions {
  /**
   * Tile edge in pixels: one number for every axis, or one per axis ((z,) y, x). A shorter list
   * applies to the trailing axes (e.g. [y, x] for a z-stack) and leading axes stay whole.
   */
  tileSize: number | readonly number[];
  /**
   * Overlap between neighbouring tiles along each axis. A value in [0, 1) is a fraction of the
   * tile edge (at most 0.9); a value >= 1 is a whole number of pixels. One number or one per axis.
   * It is a minimum: tiles are spread evenly, so the actual overlap can be a little larger.
   * @default 0.25
   */
  overlap?: number | readonly number[];
  /** Smallest tile edge allowed, pixels; a `tileSize` below it is an error. @default 8 */
  minTileSize?: number;
  /** A plan of more tiles than this is an error (a guard against absurd tile sizes). @default 100000 */
  maxTiles?: number;
}

/**
 * Cuts an image of `shape` into overlapping tiles (blocks in 2D, bricks in 3D) that cover it.
 *
 * Along each axis of length n with tile edge t (clamped to n): a single tile when t >= n (an
 * image smaller than the tile is one tile of the full image; axes of length 1 stay whole);
 * otherwise k = ceil((n - t) / (t - overlap)) + 1 tiles of edge exactly t, the first at 0, the last
 * aligned to the far edge (start n - t), the others evenly spaced between (starts rounded): no tiny
 * remainder tiles. Tiles are listed row-major over the grid (last axis fastest), index 0..k-1.
 *
 * @param shape image shape, axis order (z,) y, x
 * @throws MetdbError 'invalid-argument' for a bad shape, tile size or overlap
 */
export function planTiles(shape: readonly number[], options: PlanTilesOptions): TileRegion[] {
  const { tileSize, overlap = 0.25, minTileSize = 8, maxTiles = 100_000 } = options;
  const ndim = shape.length;
  if (ndim < 1 || shape.some((n) => !Number.isInteger(n) || n < 1)) {
    throw invalid(`shape must be positive integers, got [${shape.join(', ')}]`, { shape });
  }
  if (!Number.isInteger(minTileSize) || minTileSize < 1) {
    throw invalid(`minTileSize must be a positive integer, got ${minTileSize}`, { minTileSize });
  }
  const sizes = perAxis(tileSize, shape, 'tileSize');
  const overlaps = perAxis(
    overlap,
    shape.map(() => 0),
    'overlap',
  );
  const axes = shape.map((n, a) => {
    const t = sizes[a]!;
    if (!Number.isInteger(t) || (t < minTileSize && t < n)) {
      throw invalid(`tileSize must be an integer >= minTileSize ${minTileSize}, got ${t}`, { tileSize });
    }
    return axisStarts(n, t, overlapPixels(overlaps[a]!, Math.min(t, n)));
  });
  const counts = axes.map((a) => a.starts.length);
  const total = counts.reduce((p, c) => p * c, 1);
  if (total > maxTiles) {
    throw invalid(`${total} tiles (${counts.join(' x ')}) exceed maxTiles ${maxTiles}`, { counts, maxTiles });
  }
  const tiles: TileRegion[] = [];
  for (let index = 0; index < total; index++) {
    const grid = new Array<number>(ndim);
    let rest = index;
    for (let a = ndim - 1; a >= 0; a--) {
      grid[a] = rest % counts[a]!;
      rest = Math.floor(rest / counts[a]!);
    }
    tiles.push({
      index,
      start: grid.map((g, a) => axes[a]!.starts[g]!),
      size: axes.map((ax) => ax.size),
      grid,
    });
  }
  return tiles;
}

function axisStarts(n: number, tile: number, overlap: number): { starts: number[]; size: number } {
  if (n === 1 || tile >= n) return { starts: [0], size: n };
  const step = Math.max(1, tile - overlap);
  const count = Math.ceil((n - tile) / step) + 1;
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(Math.round((i * (n - tile)) / (count - 1)));
  return { starts, size: tile };
}

function overlapPixels(value: number, tile: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalid(`overlap must be >= 0, got ${value}`, { value });
  if (value < 1) {
    if (value > 0.9) throw invalid(`overlap fraction must be at most 0.9, got ${value}`, { value });
    return Math.round(value * tile);
  }
  if (!Number.isInteger(value))
    throw invalid(`overlap in pixels must be an integer, got ${value}`, { value });
  return Math.min(value, tile - 1);
}

/** One value per axis; a list shorter than the shape fills the trailing axes, `lead` the others. */
function perAxis(value: number | readonly number[], lead: readonly number[], name: string): number[] {
  const ndim = lead.length;
  if (typeof value === 'number') return new Array<number>(ndim).fill(value);
  if (value.length < 1 || value.length > ndim) {
    throw invalid(`${name} must be one number or up to ${ndim} (per axis), got [${value.join(', ')}]`, {
      [name]: value,
    });
  }
  return [...lead.slice(0, ndim - value.length), ...value];
}

function invalid(message: string, details: Record<string, unknown>): MetdbError {
  return new MetdbError('invalid-argument', `planTiles: ${message}`, { details });
}
