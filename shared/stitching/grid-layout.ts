import { MetdbError } from '../errors/metdb-error.js';
import type { TileLayout } from './tile-layout.js';

/** Acquisition orders of Fiji's Grid/Collection stitching (all starting top-left). */
export type GridOrder = 'row' | 'column' | 'snake';

export interface GridLayoutOptions {
  readonly rows: number;
  readonly columns: number;
  /** Tile width and height, pixels. */
  readonly width: number;
  readonly height: number;
  /** Overlap of horizontal neighbours, fraction of the tile width in [0, 1). */
  readonly overlapX: number;
  /** Overlap of vertical neighbours, fraction of the tile height. @default overlapX */
  readonly overlapY?: number;
  /**
   * 'row': row by row, left to right ("Grid: row-by-row, Right & Down"); 'column': column by
   * column, top to bottom ("column-by-column, Down & Right"); 'snake': rows alternately left to
   * right and right to left ("snake by rows, Right & Down").
   * @default 'row'
   */
  readonly order?: GridOrder;
}

/**
 * The nominal layout of a regular grid, as Fiji's Grid/Collection stitching computes it: the k-th
 * name is placed at the k-th cell of the acquisition order, at (column * width * (1 - overlapX),
 * row * height * (1 - overlapY)).
 *
 * @throws MetdbError 'invalid-argument' when the number of names is not rows x columns or the
 *   overlap is outside [0, 1)
 */
export function gridLayout(names: readonly string[], options: GridLayoutOptions): TileLayout {
  const { rows, columns, width, height, overlapX, order = 'row' } = options;
  const overlapY = options.overlapY ?? overlapX;
  if (!(Number.isInteger(rows) && Number.isInteger(columns) && rows >= 1 && columns >= 1)) {
    throw new MetdbError('invalid-argument', `grid: rows and columns must be positive integers`);
  }
  for (const o of [overlapX, overlapY]) {
    if (!(o >= 0 && o < 1)) {
      throw new MetdbError('invalid-argument', `grid: overlap must be in [0 %, 100 %), got ${o * 100} %`);
    }
  }
  if (names.length !== rows * columns) {
    throw new MetdbError(
      'invalid-argument',
      `grid ${rows}x${columns} needs ${rows * columns} tiles, the folder has ${names.length}`,
      { details: { rows, columns, tiles: names.length } },
    );
  }
  const stepX = width * (1 - overlapX);
  const stepY = height * (1 - overlapY);
  const tiles = names.map((name, k) => {
    const [row, column] = cellOf(k, rows, columns, order);
    return { name, x: column * stepX, y: row * stepY };
  });
  return { tiles };
}

function cellOf(k: number, rows: number, columns: number, order: GridOrder): [number, number] {
  if (order === 'column') return [k % rows, Math.floor(k / rows)];
  const row = Math.floor(k / columns);
  const along = k % columns;
  return [row, order === 'snake' && row % 2 === 1 ? columns - 1 - along : along];
}
