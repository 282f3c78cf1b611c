import type { NdArray } from '../ndarray/ndarray.js';
import {
  prepareReferenceTile,
  type PreparedReferenceTile,
  type RegisterTileParams,
} from '../tiling/register-tile.js';

/**
 * Reference tiles prepared once per process (`prepareReferenceTile`: signal, preprocessed pixels,
 * spectrum) and reused for every moving image registered against the same reference: one tile
 * of the reference serves every job of its dataset, so its FFT is not redone per tile message.
 * Least recently used entries go first beyond `maxBytes`.
 */
export class PreparedTileCache {
  private readonly entries = new Map<string, { tile: PreparedReferenceTile; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 128 * 2 ** 20) {}

  get(key: string, pixels: () => NdArray, params: RegisterTileParams): PreparedReferenceTile {
    const id = `${key}\u0000${JSON.stringify(params)}`;
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.tile;
    }
    const tile = prepareReferenceTile(pixels(), params);
    const bytes = (tile.spectrum?.spectrum.byteLength ?? 0) + (tile.reference?.data.byteLength ?? 0);
    this.entries.set(id, { tile, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes || oldest === id) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    return tile;
  }
}

/** The process-wide cache the pipeline uses. */
export const preparedTiles = new PreparedTileCache();
