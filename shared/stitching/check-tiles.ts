import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import type { TileLayout } from './tile-layout.js';

/**
 * Checks that there is one 2D tile per layout entry and that all share one shape; returns it as
 * [height, width].
 *
 * @throws MetdbError 'invalid-argument' or 'shape-mismatch' naming the first offending tile
 */
export function checkTiles(tiles: readonly NdArray[], layout: TileLayout): [number, number] {
  if (tiles.length !== layout.tiles.length) {
    throw new MetdbError(
      'invalid-argument',
      `the layout lists ${layout.tiles.length} tiles, ${tiles.length} were given`,
    );
  }
  const first = tiles[0];
  if (first === undefined) throw new MetdbError('invalid-argument', 'no tiles to stitch');
  tiles.forEach((t, k) => {
    const name = layout.tiles[k]!.name;
    if (t.shape.length !== 2) {
      throw new MetdbError(
        'invalid-argument',
        `${name}: tiles must be 2D images, got shape [${t.shape.join(', ')}]`,
      );
    }
    if (t.shape[0] !== first.shape[0] || t.shape[1] !== first.shape[1]) {
      throw new MetdbError(
        'shape-mismatch',
        `tiles of different sizes: ${name} is ${t.shape[1]}x${t.shape[0]} px, ${layout.tiles[0]!.name} is ${first.shape[1]}x${first.shape[0]} px`,
        { details: { tile: name } },
      );
    }
  });
  return [first.shape[0]!, first.shape[1]!];
}
