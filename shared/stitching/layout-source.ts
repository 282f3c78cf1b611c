import { MetdbError } from '../errors/metdb-error.js';
import type { GridOrder } from './grid-layout.js';

/** The options that describe a grid. */
export type GridOption = 'grid' | 'overlap' | 'order';

/** A regular grid of the tiles in natural name order (`gridLayout`'s options but the tile size). */
export interface GridSource {
  readonly kind: 'grid';
  readonly rows: number;
  readonly columns: number;
  readonly overlapX: number;
  readonly overlapY: number;
  readonly order: GridOrder;
}

/**
 * Where a mosaic's tiles are expected: a Fiji TileConfiguration file (`metdb stitch`: a path; a
 * dataset's settings: relative to the dataset folder), a regular grid, or the stage positions in
 * the tiles' OME-XML.
 */
export type LayoutSource =
  { readonly kind: 'file'; readonly path: string } | { readonly kind: 'ome' } | GridSource;

/**
 * A grid as `metdb stitch` and a dataset's `metdb.json` write it: `grid` "ROWSxCOLS" (e.g. "5x4"),
 * `overlap` a percentage of the tile ("10%", or "10%,8%" for x and y; the % sign optional), `order`
 * 'row', 'column' or 'snake' (default 'row').
 *
 * @param name how the messages name an option (`--grid` on the command line)
 * @throws MetdbError 'invalid-argument' naming the option that is wrong (`details.option`)
 */
export function parseGridSource(
  text: { grid: string; overlap?: string | undefined; order?: string | undefined },
  name: (option: GridOption) => string = (option) => option,
): GridSource {
  const { grid, overlap, order = 'row' } = text;
  const invalid = (option: GridOption, message: string): MetdbError =>
    new MetdbError('invalid-argument', `${name(option)} ${message}`, { details: { option } });
  const size = /^(\d+)x(\d+)$/i.exec(grid);
  if (!size || Number(size[1]) < 1 || Number(size[2]) < 1) {
    throw invalid('grid', `must be ROWSxCOLS (e.g. 5x4), got "${grid}"`);
  }
  if (overlap === undefined) throw invalid('grid', `needs ${name('overlap')} (e.g. 10%)`);
  const overlaps = overlap.split(',').map((p) => /^(\d+(?:\.\d+)?)%?$/.exec(p.trim()));
  if (overlaps.length > 2 || overlaps.some((m) => m === null || !(Number(m[1]) < 100))) {
    throw invalid('overlap', `must be a percentage below 100 (10% or 10%,8%), got "${overlap}"`);
  }
  if (order !== 'row' && order !== 'column' && order !== 'snake') {
    throw invalid('order', `must be row, column or snake, got "${order}"`);
  }
  return {
    kind: 'grid',
    rows: Number(size[1]),
    columns: Number(size[2]),
    overlapX: Number(overlaps[0]![1]) / 100,
    overlapY: Number((overlaps[1] ?? overlaps[0])![1]) / 100,
    order,
  };
}
