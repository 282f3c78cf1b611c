import { describe, expect, it } from 'vitest';
import { aggregateTileShifts, normalizedCrossCorrelation } from '../../shared/aggregation/index.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { extractRegion, planTiles, registerTile } from '../../shared/tiling/index.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { gaussian, shiftedPair, stdOf } from '../tiling/pixels.js';

const cases = loadGoldenCases();
const canvas = (prefix: string): NdArray => cases.find((c) => c.id.startsWith(prefix))!.reference;

/** The pipeline in miniature: tiles, per-tile registration, some tiles corrupted, aggregate. */
function registerImage(reference: NdArray, moving: NdArray, tileSize: number[], corrupt: Set<number>) {
  const tiles = planTiles(reference.shape, { tileSize });
  const results = tiles.map((t) => {
    let movingTile = extractRegion(moving, t);
    if (corrupt.has(t.index)) {
      // A confident wrong answer: the same content moved by a few pixels more (a moving object,
      // a bubble), or pure noise.
      const other = tiles[(t.index + 3) % tiles.length]!;
      movingTile =
        t.index % 2 === 0
          ? extractRegion(moving, {
              start: t.start.map((s, a) => (s + 4 <= reference.shape[a]! - t.size[a]! ? s + 4 : s - 4)),
              size: t.size,
            })
          : noise(extractRegion(moving, other), t.index);
    }
    return registerTile(extractRegion(reference, t), movingTile, { upsampleFactor: 20 });
  });
  const aggregate = aggregateTileShifts(
    results.map((r) => ({ shift: r.shift, weight: r.weight, skipped: r.skipped !== undefined })),
  );
  return { results, aggregate };
}

function noise(like: NdArray, seed: number): NdArray<Float64Array> {
  const g = gaussian(seed);
  const s = stdOf(like);
  return { data: Float64Array.from(like.data, () => 100 + s * g()), shape: like.shape };
}

const distance = (a: readonly number[], b: readonly number[]): number =>
  Math.hypot(...a.map((v, k) => v - b[k]!));

describe('a whole image from its tiles', () => {
  it.each([
    ['camera-256', [1.37, -2.62], 0.05],
    ['bbbc022-120', [-0.83, 1.41], 0.05],
    ['cell-250', [2.12, 1.46], 0.15],
  ] as const)(
    '%s: the aggregate of the tiles with a few corrupted ones is the truth within 0.05 px',
    (id, truth, sigma) => {
      const image = canvas(id);
      const size = image.shape.map((n) => n - 16);
      const { reference, moving } = shiftedPair(image, truth, size, sigma * stdOf(image), 21);
      const count = planTiles(size, { tileSize: [48, 48] }).length;
      const corrupt = new Set([1, 2, Math.floor(count / 2)].filter((i) => i < count));
      const { results, aggregate } = registerImage(reference, moving, [48, 48], corrupt);
      expect(distance(aggregate.shift, truth)).toBeLessThan(0.05);
      // Every corrupted tile is rejected or (noise) carries no weight.
      for (const i of corrupt) {
        const ignored = aggregate.ignored.includes(i) || results[i]!.weight < 0.5;
        expect(aggregate.rejected.includes(i) || ignored).toBe(true);
      }
      const before = normalizedCrossCorrelation(reference, moving);
      const after = normalizedCrossCorrelation(reference, moving, { shift: aggregate.shift });
      expect(after).toBeGreaterThan(before);
      expect(after).toBeGreaterThan(0.8);
    },
  );

  it('3D: bricks of an EM volume aggregate to the truth within 0.05 px', () => {
    const image = canvas('em13pf');
    const truth = [-0.7, 1.45, -2.3];
    const { reference, moving } = shiftedPair(image, truth, [24, 56, 56], 0.1 * stdOf(image), 22);
    const { results, aggregate } = registerImage(reference, moving, [16, 32, 32], new Set([2, 3]));
    expect(distance(aggregate.shift, truth)).toBeLessThan(0.05);
    expect(aggregate.rejected).toContain(2);
    expect(aggregate.ignored.includes(3) || results[3]!.weight < 0.5).toBe(true);
    const before = normalizedCrossCorrelation(reference, moving);
    expect(normalizedCrossCorrelation(reference, moving, { shift: aggregate.shift })).toBeGreaterThan(
      before + 0.3,
    );
  });
});
