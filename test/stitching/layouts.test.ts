import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { neighbourPairs } from '../../shared/stitching/neighbour-pairs.js';
import { parseTileConfiguration } from '../../shared/stitching/parse-tile-configuration.js';

const errorOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('parseTileConfiguration', () => {
  it("reads Fiji's format: comments, the dimension line, integer and decimal positions", () => {
    const text = [
      '# Define the number of dimensions we are working on',
      'dim = 2',
      '',
      '# Define the image coordinates',
      'tile_01.tif; ; (0.0, 0.0)',
      'tile_02.tif; ; (921.6, -3)',
      'tile 03.tif;; (1.5e2, 1024.25)  # a comment',
    ].join('\r\n');
    expect(parseTileConfiguration(text).tiles).toEqual([
      { name: 'tile_01.tif', x: 0, y: 0 },
      { name: 'tile_02.tif', x: 921.6, y: -3 },
      { name: 'tile 03.tif', x: 150, y: 1024.25 },
    ]);
  });

  it('round-trips what formatTileConfiguration writes', () => {
    const layout = {
      tiles: [
        { name: 'a.tif', x: 10.125, y: -4 },
        { name: 'b.tif', x: 230.5, y: 3.25 },
      ],
    };
    expect(parseTileConfiguration(formatTileConfiguration(layout, 'test')).tiles).toEqual(layout.tiles);
  });

  it.each([
    ['dim = 3\na.tif; ; (0, 0, 0)', /line 1: only 2D layouts/],
    ['dim = 2\na.tif; ; (0, 0, 5)', /line 2: a 3D position/],
    ['dim = 2\na.tif; ; 0, 0', /line 2: expected a position/],
    ['dim = 2\na.tif (0, 0)', /line 2: expected "name; ; \(x, y\)"/],
    ['dim = 2\na.tif; ; (0, 0)\na.tif; ; (5, 0)', /line 3: tile "a.tif" is listed twice/],
    ['dim = 2\n# nothing', /no tile listed/],
  ])('rejects %j with a message naming the line', (text, message) => {
    const error = errorOf(() => parseTileConfiguration(text, 'T.txt'));
    expect(isMetdbError(error, 'invalid-value')).toBe(true);
    expect((error as Error).message).toMatch(/^T\.txt: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('gridLayout', () => {
  const names = ['t0', 't1', 't2', 't3', 't4', 't5'];
  const base = { rows: 2, columns: 3, width: 100, height: 50, overlapX: 0.1, overlapY: 0.2 };
  const cells = (order: 'row' | 'column' | 'snake') =>
    gridLayout(names, { ...base, order }).tiles.map((t) => [t.name, t.x / 90, t.y / 40]);

  it('places tiles row by row, column by column or as a snake, at (1 - overlap) steps', () => {
    expect(cells('row')).toEqual([
      ['t0', 0, 0],
      ['t1', 1, 0],
      ['t2', 2, 0],
      ['t3', 0, 1],
      ['t4', 1, 1],
      ['t5', 2, 1],
    ]);
    expect(cells('column')).toEqual([
      ['t0', 0, 0],
      ['t1', 0, 1],
      ['t2', 1, 0],
      ['t3', 1, 1],
      ['t4', 2, 0],
      ['t5', 2, 1],
    ]);
    expect(cells('snake')).toEqual([
      ['t0', 0, 0],
      ['t1', 1, 0],
      ['t2', 2, 0],
      ['t3', 2, 1],
      ['t4', 1, 1],
      ['t5', 0, 1],
    ]);
  });

  it('needs rows x columns tiles and an overlap below 100 %', () => {
    expect((errorOf(() => gridLayout(names.slice(1), base)) as Error).message).toBe(
      'grid 2x3 needs 6 tiles, the folder has 5',
    );
    expect(
      isMetdbError(
        errorOf(() => gridLayout(names, { ...base, overlapX: 1 })),
        'invalid-argument',
      ),
    ).toBe(true);
  });

  it('has side neighbours as edges and drops corner contacts of small overlaps', () => {
    const pairs = neighbourPairs(gridLayout(names, { ...base, overlapY: 0.15 }).tiles, 100, 50);
    expect(pairs.map((p) => `${p.i}-${p.j}`)).toEqual(['0-1', '0-3', '1-2', '1-4', '2-5', '3-4', '4-5']);
    const wide = neighbourPairs(gridLayout(names, { ...base, overlapX: 0.5, overlapY: 0.5 }).tiles, 100, 50);
    expect(wide.some((p) => p.i === 0 && p.j === 4)).toBe(true);
  });
});
