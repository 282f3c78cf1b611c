import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { ndarray, sizeOf } from '../../shared/ndarray/ndarray.js';
import { extractRegion, planTiles, type TileRegion } from '../../shared/tiling/index.js';

/** How many tiles cover each pixel. */
function coverage(shape: number[], tiles: TileRegion[]): Uint16Array {
  const count = new Uint16Array(sizeOf(shape));
  for (const t of tiles) {
    const region = extractRegion(ndarray(Float64Array.from(count.keys()), shape), t);
    for (const i of region.data) count[i]!++;
  }
  return count;
}

describe('planTiles', () => {
  it('covers every pixel with equal overlapping tiles, the last one on the far edge', () => {
    const shape = [100, 150];
    const tiles = planTiles(shape, { tileSize: 40, overlap: 0.25 });
    expect(tiles.map((t) => t.start[0])).toEqual([0, 0, 0, 0, 0, 30, 30, 30, 30, 30, 60, 60, 60, 60, 60]);
    expect(tiles.slice(0, 5).map((t) => t.start[1])).toEqual([0, 28, 55, 83, 110]);
    expect(tiles.every((t) => t.size[0] === 40 && t.size[1] === 40)).toBe(true);
    expect(tiles.map((t) => t.index)).toEqual(tiles.map((_, i) => i));
    expect(tiles[7]!.grid).toEqual([1, 2]);
    expect(Math.min(...coverage(shape, tiles))).toBe(1);
  });

  it('keeps the requested overlap between neighbours, as a fraction or in pixels', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 2, maxLength: 2 }),
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 3 }),
        ),
        fc.integer({ min: 8, max: 128 }),
        fc.oneof(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 1, max: 40 })),
        (shape, tileSize, overlap) => {
          // Dense plans (1-pixel steps in 3D) can pass the default maxTiles guard: lift it here.
          const tiles = planTiles(shape, { tileSize, overlap, maxTiles: Number.MAX_SAFE_INTEGER });
          shape.forEach((n, a) => {
            const starts = [...new Set(tiles.map((t) => t.start[a]!))].sort((x, y) => x - y);
            const size = Math.min(tileSize, n);
            expect(tiles.every((t) => t.size[a] === size)).toBe(true);
            expect(starts[0]).toBe(0);
            expect(starts[starts.length - 1]! + size).toBe(n);
            const wanted = overlap < 1 ? Math.round(overlap * size) : Math.min(overlap, size - 1);
            for (let k = 1; k < starts.length; k++) {
              expect(starts[k - 1]! + size - starts[k]!).toBeGreaterThanOrEqual(wanted);
            }
          });
          expect(planTiles(shape, { tileSize, overlap, maxTiles: Number.MAX_SAFE_INTEGER })).toEqual(tiles);
        },
      ),
      { numRuns: 100, seed: 20261122 },
    );
  });

  it('gives one tile of the full image when the image is smaller than a tile, and keeps axes of length 1 whole', () => {
    expect(planTiles([30, 20], { tileSize: 64 })).toEqual([
      { index: 0, start: [0, 0], size: [30, 20], grid: [0, 0] },
    ]);
    const stack = planTiles([1, 100, 100], { tileSize: 64 });
    expect(stack).toHaveLength(4);
    expect(stack.every((t) => t.start[0] === 0 && t.size[0] === 1)).toBe(true);
  });

  it('cuts 3D bricks, and a shorter tileSize list tiles the trailing axes only', () => {
    const bricks = planTiles([40, 64, 64], { tileSize: 32, overlap: 8 });
    expect(bricks).toHaveLength(2 * 3 * 3);
    expect(bricks[17]).toEqual({ index: 17, start: [8, 32, 32], size: [32, 32, 32], grid: [1, 2, 2] });
    const planes = planTiles([40, 64, 64], { tileSize: [32, 32], overlap: [0, 0] });
    expect(planes).toHaveLength(4);
    expect(planes[0]!.size).toEqual([40, 32, 32]);
  });

  it('rejects bad shapes and options with invalid-argument', () => {
    const bad = [
      () => planTiles([0, 10], { tileSize: 16 }),
      () => planTiles([100, 100], { tileSize: 4 }),
      () => planTiles([100, 100], { tileSize: 16, overlap: 0.95 }),
      () => planTiles([100, 100], { tileSize: 16, overlap: 2.5 }),
      () => planTiles([100, 100], { tileSize: [16, 16, 16] }),
      () => planTiles([100, 100], { tileSize: 16, overlap: -1 }),
      () => planTiles([4000, 4000], { tileSize: 8, overlap: 0.5, maxTiles: 1000 }),
    ];
    for (const call of bad) expect(call).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});

describe('extractRegion', () => {
  it('copies the sub-block with the same pixel type', () => {
    const image = ndarray(
      Uint16Array.from({ length: 3 * 4 * 5 }, (_, i) => i),
      [3, 4, 5],
    );
    const block = extractRegion(image, { start: [1, 2, 1], size: [2, 2, 3] });
    expect(block.data).toBeInstanceOf(Uint16Array);
    expect(block.shape).toEqual([2, 2, 3]);
    expect([...block.data]).toEqual([31, 32, 33, 36, 37, 38, 51, 52, 53, 56, 57, 58]);
    block.data[0] = 999;
    expect(image.data[31]).toBe(31);
  });

  it('copies into the first elements of a buffer of the same type when given one, and refuses others', () => {
    const image = ndarray(
      Uint16Array.from({ length: 3 * 4 * 5 }, (_, i) => i),
      [3, 4, 5],
    );
    const buffer = new Uint16Array(20).fill(7);
    const region = { start: [1, 2, 1], size: [2, 2, 3] };
    const block = extractRegion(image, region, buffer);
    expect(block.shape).toEqual([2, 2, 3]);
    expect([...block.data]).toEqual([...extractRegion(image, region).data]);
    expect(block.data.buffer).toBe(buffer.buffer);
    expect([...buffer.subarray(12)]).toEqual(new Array(8).fill(7)); // the rest untouched
    for (const wrong of [new Uint16Array(11), new Float32Array(20)]) {
      expect(() => extractRegion(image, region, wrong as unknown as Uint16Array)).toThrow(
        expect.objectContaining({ code: 'invalid-argument' }),
      );
    }
  });

  it('refuses a region outside the image', () => {
    const image = ndarray(new Float32Array(16), [4, 4]);
    try {
      extractRegion(image, { start: [2, 2], size: [3, 2] });
      expect.unreachable();
    } catch (error) {
      expect(isMetdbError(error, 'invalid-argument')).toBe(true);
    }
  });
});
