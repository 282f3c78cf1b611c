import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { aggregateTileShifts } from '../../shared/aggregation/robust-shift.js';
import { offsetRegion, predictionFactors, predictShift } from '../../shared/tiling/predict-shift.js';
import { extractRegion, planTiles, prepareReferenceTile, registerTile } from '../../shared/tiling/index.js';
import { gaussian, shiftedPair, stdOf } from './pixels.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';

const source = async () =>
  (await readImageFile(join(import.meta.dirname, '..', '..', 'samples', 'sources', 'bbbc022_hoechst.tif')))
    .array;

describe('predictionFactors', () => {
  it('bins the longest axes until at most 2^16 samples remain', () => {
    expect(predictionFactors([2048, 2048])).toEqual([8, 8]);
    expect(predictionFactors([200, 300])).toEqual([1, 1]);
    expect(predictionFactors([347, 647])).toEqual([2, 2]);
    const volume = predictionFactors([64, 256, 256]);
    expect([64, 256, 256].reduce((p, n, k) => p * Math.floor(n / volume[k]!), 1)).toBeLessThanOrEqual(
      2 ** 16,
    );
    expect(volume).toEqual([2, 6, 6]);
  });
});

describe('offsetRegion', () => {
  it('moves the region against the offset and keeps it inside the image', () => {
    const region = { start: [10, 100], size: [64, 64] };
    expect(offsetRegion(region, [-5, 20], [200, 200]).start).toEqual([15, 80]);
    expect(offsetRegion(region, [30, -100], [200, 200]).start).toEqual([0, 136]);
    expect(offsetRegion(region, [0, 0], [200, 200])).toEqual(region);
  });
});

describe('predictShift', () => {
  it('predicts a drift of a third of a tile to the pixel on real nuclei with noise', async () => {
    const canvas = await source();
    const truth = [-21.3, 17.6];
    const { reference, moving } = shiftedPair(canvas, truth, [300, 560], 0.05 * stdOf(canvas), 5);
    const predicted = predictShift(reference, moving);
    expect(predicted.weight).toBeGreaterThan(0);
    predicted.offset.forEach((o, k) => expect(Math.abs(o - truth[k]!)).toBeLessThanOrEqual(1));
    expect(predictShift(reference, moving)).toEqual(predicted); // deterministic
  });

  it('predicts nothing for unrelated images', () => {
    const noise = (seed: number) => {
      const g = gaussian(seed);
      return ndarray(
        Float64Array.from({ length: 256 * 256 }, () => 100 + 10 * g()),
        [256, 256],
      );
    };
    const predicted = predictShift(noise(1), noise(2));
    expect(predicted.weight).toBe(0);
    expect(predicted.offset).toEqual([0, 0]);
  });

  it('tiles cut at the predicted offset register a large drift better than tiles cut in place', async () => {
    const canvas = await source();
    const truth = [-21.3, 17.6];
    const { reference, moving } = shiftedPair(canvas, truth, [300, 560], 0.05 * stdOf(canvas), 7);
    const { offset } = predictShift(reference, moving);
    const tiles = planTiles(reference.shape, { tileSize: 64 });
    const measure = (
      cut: (t: (typeof tiles)[number]) => { start: readonly number[]; size: readonly number[] },
    ) =>
      tiles.map((t) => {
        const region = cut(t);
        const r = registerTile(
          prepareReferenceTile(extractRegion(reference, t)),
          extractRegion(moving, region),
          {
            upsampleFactor: 20,
          },
        );
        const applied = t.start.map((s, k) => s - region.start[k]!);
        return { ...r, shift: r.shift.map((s, k) => s + applied[k]!), skipped: r.skipped !== undefined };
      });
    const inPlace = measure((t) => t);
    const offsetCut = measure((t) => offsetRegion(t, offset, moving.shape));
    const usable = (rs: typeof inPlace) => rs.filter((r) => !r.skipped && r.weight > 0).length;
    const error = (rs: typeof inPlace) =>
      Math.hypot(...aggregateTileShifts(rs).shift.map((s, k) => s - truth[k]!));
    expect(usable(offsetCut)).toBeGreaterThan(usable(inPlace));
    expect(error(offsetCut)).toBeLessThan(0.05);
    expect(error(offsetCut)).toBeLessThan(error(inPlace));
  });
});
