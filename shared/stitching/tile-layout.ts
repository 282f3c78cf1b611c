/**
 * Where each tile of a mosaic is expected (a layout) or found (registered positions).
 *
 * Coordinates are pixels, x to the right and y down, of each tile's top-left corner in one frame
 * shared by all tiles: Fiji's TileConfiguration convention. The origin is arbitrary.
 */
export interface TilePosition {
  /** File name of the tile, relative to the tiles' folder. */
  readonly name: string;
  /** Column of the tile's top-left pixel, pixels. */
  readonly x: number;
  /** Row of the tile's top-left pixel, pixels. */
  readonly y: number;
}

/** A mosaic's nominal layout: the tiles in acquisition order with their expected positions. */
export interface TileLayout {
  readonly tiles: readonly TilePosition[];
}
