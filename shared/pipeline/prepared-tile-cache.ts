import { LRUCache } from 'lru-cache';
import type { NdArray } from '../ndarray/ndarray.js';
import {
  prepareReferenceTile,
  type PreparedReferenceTile,
  type RegisterTileParams,
} from '../tiling/register-tile.js';
import type { TileWorkspace } from '../tiling/tile-workspace.js';

/**
 * Reference tiles prepared once per process (`prepareReferenceTile`: signal, preprocessed pixels,
 * spectrum) and reused for every moving image registered against the same reference: one tile
 * of the reference serves every job of its dataset, so its FFT is not redone per tile message.
 * Least recently used entries go first beyond `maxBytes`.
 */
export class PreparedTileCache {
  private readonly tiles: LRUCache<string, PreparedReferenceTile>;

  constructor(maxBytes = 128 * 2 ** 20) {
    this.tiles = new LRUCache({
      maxSize: maxBytes,
      // Capped at the whole budget: a tile larger than it is still kept (alone) until the next one.
      sizeCalculation: (tile) =>
        Math.max(
          1,
          Math.min(
            maxBytes,
            (tile.spectrum?.spectrum.byteLength ?? 0) + (tile.reference?.data.byteLength ?? 0),
          ),
        ),
    });
  }

  get(
    key: string,
    pixels: () => NdArray,
    params: RegisterTileParams,
    workspace?: TileWorkspace,
  ): PreparedReferenceTile {
    const id = `${key}\u0000${JSON.stringify(params)}`;
    let tile = this.tiles.get(id);
    if (tile === undefined) {
      tile = prepareReferenceTile(pixels(), params, workspace);
      this.tiles.set(id, tile);
    }
    return tile;
  }
}

/** The process-wide cache the pipeline uses. */
export const preparedTiles = new PreparedTileCache();
