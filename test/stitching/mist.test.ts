import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { overlapNcc } from '../../shared/stitching/overlap-ncc.js';
// The library API (the package's root), as a user of Met-db stitches.
import { gridLayout, stitchTiles, type StitchResult } from '../../shared/index.js';

// MIST's 5x5 test mosaic (see test/fixtures/stitching/README.md): tiles simulated from one image,
// so that at the true offsets the overlaps are pixel-identical (NCC 1).
const dir = new URL('../fixtures/stitching/mist/', import.meta.url).pathname;
const names = readdirSync(dir)
  .filter((n) => n.endsWith('.tif'))
  .sort();

function mistPositions(): Map<string, { x: number; y: number; corr: number }> {
  const out = new Map<string, { x: number; y: number; corr: number }>();
  for (const line of readFileSync(join(dir, 'global-positions-3.txt'), 'utf8').split('\n')) {
    const m = /file: (\S+); corr: (\S+); position: \((-?\d+), (-?\d+)\)/.exec(line);
    if (m) out.set(m[1]!, { x: Number(m[3]), y: Number(m[4]), corr: Number(m[2]) });
  }
  return out;
}

describe('stitching MIST test tiles (5x5, 6 % overlap, column order)', () => {
  let tiles: NdArray[];
  let result: StitchResult;
  const mist = mistPositions();
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  let ox = 0;
  let oy = 0;

  beforeAll(async () => {
    tiles = (await Promise.all(names.map((n) => readImageFile(join(dir, n))))).map((t) => t.array);
    const [height, width] = tiles[0]!.shape as [number, number];
    const layout = gridLayout(names, { rows: 5, columns: 5, width, height, overlapX: 0.06, order: 'column' });
    result = stitchTiles(tiles, layout);
    // Both results are in their own frame: align them by the median offset.
    ox = median(result.tiles.map((t) => mist.get(t.name)!.x - t.x));
    oy = median(result.tiles.map((t) => mist.get(t.name)!.y - t.y));
  });

  it('accepts every edge and registers every tile', () => {
    expect(result.edges).toHaveLength(40);
    expect(result.edges.filter((e) => e.status !== 'accepted')).toEqual([]);
    expect(result.tiles.every((t) => t.status === 'registered')).toBe(true);
    expect(result.threshold.threshold).toBeLessThan(0.9);
  });

  it("agrees with MIST's positions within 0.5 px, except where MIST's own overlaps do not match", () => {
    const off = result.tiles.filter((t) => {
      const m = mist.get(t.name)!;
      return Math.abs(t.x + ox - m.x) > 0.5 || Math.abs(t.y + oy - m.y) > 0.5;
    });
    // MIST placed p05 from p04 by an edge of NCC 0.105 (its own corr column), and p10 from p05.
    expect(off.map((t) => t.name)).toEqual(['ImageName_t03_p05.tif', 'ImageName_t03_p10.tif']);
    expect(mist.get('ImageName_t03_p05.tif')!.corr).toBeLessThan(0.2);
  });

  it('places p05 and p10 where their overlaps with p04 and p09 are pixel-identical, unlike MIST', () => {
    const tile = (name: string) => tiles[names.indexOf(name)]!;
    const at = (name: string) => result.tiles[names.indexOf(name)]!;
    for (const [north, south] of [
      ['ImageName_t03_p04.tif', 'ImageName_t03_p05.tif'],
      ['ImageName_t03_p09.tif', 'ImageName_t03_p10.tif'],
    ] as const) {
      const ours = overlapNcc(
        tile(north),
        tile(south),
        Math.round(at(south).x - at(north).x),
        Math.round(at(south).y - at(north).y),
      );
      const theirs = overlapNcc(
        tile(north),
        tile(south),
        mist.get(south)!.x - mist.get(north)!.x,
        mist.get(south)!.y - mist.get(north)!.y,
      );
      expect(ours).toBeGreaterThan(0.999);
      expect(theirs).toBeLessThan(0.2);
    }
  });

  it('closes every loop of the grid: residuals of the accepted edges below 0.5 px', () => {
    expect(Math.max(...result.edges.map((e) => e.residual))).toBeLessThan(0.5);
  });
});
