import type { NdArray } from '../ndarray/ndarray.js';
import { extractRegion, type Region } from './extract-region.js';
import { offsetRegion } from './predict-shift.js';
import {
  registerTile,
  type PreparedReferenceTile,
  type RegisterTileParams,
  type TileRegistration,
} from './register-tile.js';
import type { TileWorkspace } from './tile-workspace.js';

/** One tile of a pair of images whose moving image is predicted to be shifted by `offset`. */
export interface TileAt {
  /** The reference tile, cut at `region` and prepared (`prepareReferenceTile`, same params). */
  readonly reference: PreparedReferenceTile;
  /** The whole moving image (or frame), axis order (z,) y, x. */
  readonly moving: NdArray;
  readonly region: Region;
  /** The pair's predicted whole-pixel shift (`predictShift`), registering moving onto reference. @default zeros */
  readonly offset?: readonly number[];
}

/**
 * Registers one tile of a pair, as the pipeline's tile step does: the moving tile cut where the
 * reference tile's content went (`offsetRegion`, clamped to the image), `registerTile`, and the
 * offset actually applied added back, so that the shift registers the moving image onto the
 * reference in image pixels (a skipped tile's shift is left at zeros). The moving tile is
 * extracted into the workspace's reused buffer.
 */
export function registerTileAt(
  tile: TileAt,
  params: RegisterTileParams,
  workspace: TileWorkspace,
): TileRegistration {
  const { moving, region } = tile;
  const movingRegion = offsetRegion(region, tile.offset ?? [], moving.shape);
  const movingTile = extractRegion(moving, movingRegion, workspace.tileBuffer(moving.data, region.size));
  const result = registerTile(tile.reference, movingTile, params, workspace);
  if (result.skipped !== undefined) return result;
  // Typed copies of the two starts: the arrays come from a message and from `offsetRegion`, and
  // V8's optimised code meets them with different element kinds (small integers or doubles).
  const cut = Int32Array.from(region.start);
  const moved = Int32Array.from(movingRegion.start);
  return { ...result, shift: result.shift.map((s, k) => s + cut[k]! - moved[k]!) };
}
