import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateTileShifts, type TileShift } from '../../shared/aggregation/robust-shift.js';
import { weightedMedian } from '../../shared/aggregation/weighted-median.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';

const coord = fc.double({ min: -50, max: 50, noNaN: true });
const weight = fc.double({ min: 0.1, max: 10, noNaN: true });
const tile = (ndim: number) =>
  fc.record({ shift: fc.array(coord, { minLength: ndim, maxLength: ndim }), weight });
const tiles = fc
  .integer({ min: 2, max: 3 })
  .chain((ndim) => fc.array(tile(ndim), { minLength: 1, maxLength: 30 }));

function closeTo(a: readonly number[], b: readonly number[], tol = 1e-9): boolean {
  return a.length === b.length && a.every((v, k) => Math.abs(v - b[k]!) <= tol * (1 + Math.abs(v)));
}

describe('aggregateTileShifts', () => {
  it('is invariant to the order of the tiles', () => {
    fc.assert(
      fc.property(tiles, fc.infiniteStream(fc.nat()), (list, seeds) => {
        const order = list.map((_, i) => i).sort((a, b) => ((seeds.next().value as number) % 3) - 1 || a - b);
        const a = aggregateTileShifts(list);
        const b = aggregateTileShifts(order.map((i) => list[i]!));
        expect(closeTo(a.shift, b.shift)).toBe(true);
        expect(b.used).toBe(a.used);
        expect(b.rejected.map((i) => order[i]!).sort((x, y) => x - y)).toEqual(a.rejected);
      }),
    );
  });

  it('moves with a translation of every tile (equivariance)', () => {
    fc.assert(
      fc.property(tiles, fc.array(coord, { minLength: 3, maxLength: 3 }), (list, t) => {
        const a = aggregateTileShifts(list);
        const moved = list.map((x) => ({ ...x, shift: x.shift.map((s, k) => s + t[k]!) }));
        const b = aggregateTileShifts(moved);
        expect(
          closeTo(
            b.shift,
            a.shift.map((s, k) => s + t[k]!),
            1e-7,
          ),
        ).toBe(true);
        expect(b.rejected).toEqual(a.rejected);
        expect(b.rms).toBeCloseTo(a.rms, 6);
      }),
    );
  });

  it('ignores tiles of weight 0 and skipped tiles, whatever their shifts', () => {
    fc.assert(
      fc.property(tiles, fc.array(fc.tuple(fc.nat(), coord, fc.boolean())), (list, extra) => {
        const ndim = list[0]!.shift.length;
        const withExtra: TileShift[] = [...list];
        for (const [at, v, skip] of extra) {
          const junk = { shift: new Array<number>(ndim).fill(v), weight: skip ? 5 : 0, skipped: skip };
          withExtra.splice(at % (withExtra.length + 1), 0, junk);
        }
        const a = aggregateTileShifts(list);
        const b = aggregateTileShifts(withExtra);
        expect(closeTo(b.shift, a.shift)).toBe(true);
        expect(b.used).toBe(a.used);
        expect(b.ignored).toHaveLength(extra.length);
      }),
    );
  });

  // Arbitrary outliers holding less than 40% of the weight: with minSpread 0 the estimate stays
  // within the inlier spread of the truth; with the default floor of 0.05 px on the MAD an outlier
  // within ~0.26 px of the inliers may be kept, which can move the estimate by up to 0.4 x 0.26 px.
  it.each([
    [0, 0],
    [0.05, 0.105],
  ])(
    'with minSpread %s, a weight minority of arbitrary outliers moves the estimate by at most the inlier spread + %s px',
    (minSpread, slack) => {
      const scenario = fc.record({
        truth: fc.array(coord, { minLength: 2, maxLength: 2 }),
        spread: fc.double({ min: 0.02, max: 1, noNaN: true }),
        inliers: fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
            weight,
          ),
          { minLength: 3, maxLength: 25 },
        ),
        outliers: fc.array(
          fc.tuple(
            fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 2, maxLength: 2 }),
            weight,
          ),
          { maxLength: 16 },
        ),
      });
      fc.assert(
        fc.property(scenario, ({ truth, spread, inliers, outliers }) => {
          const good = inliers.map(([r, angle, w]) => ({
            shift: [truth[0]! + spread * r * Math.cos(angle), truth[1]! + spread * r * Math.sin(angle)],
            weight: w,
          }));
          const goodWeight = good.reduce((p, t) => p + t.weight, 0);
          let badWeight = 0;
          const bad: TileShift[] = [];
          for (const [shift, w] of outliers) {
            if ((badWeight + w) / (goodWeight + badWeight + w) >= 0.4) break;
            badWeight += w;
            bad.push({ shift, weight: w });
          }
          const result = aggregateTileShifts([...bad, ...good], { minSpread });
          const moved = Math.hypot(result.shift[0]! - truth[0]!, result.shift[1]! - truth[1]!);
          expect(moved).toBeLessThanOrEqual(spread + slack + 1e-8);
        }),
        { numRuns: 400 },
      );
    },
  );

  it('recovers the truth and names the corrupted tiles', () => {
    const truth = [1.25, -3.5];
    const list: TileShift[] = Array.from({ length: 16 }, (_, i) => ({
      shift: [truth[0]! + 0.01 * Math.sin(i), truth[1]! + 0.01 * Math.cos(3 * i)],
      weight: 1 + (i % 3),
    }));
    list[3] = { shift: [12, 7], weight: 3 };
    list[9] = { shift: [-30, 0.2], weight: 1 };
    list[14] = { shift: [1.25, -1.5], weight: 2 };
    const result = aggregateTileShifts(list);
    expect(result.rejected).toEqual([3, 9, 14]);
    expect(result.used).toBe(13);
    expect(Math.hypot(result.shift[0]! - 1.25, result.shift[1]! + 3.5)).toBeLessThan(0.01);
    expect(result.residuals[3]![0]).toBeCloseTo(12 - result.shift[0]!, 12);
    expect(result.rms).toBeLessThan(0.02);
    expect(result.method).toBe('weighted-mean');
    expect(aggregateTileShifts(list, { method: 'weighted-median' }).shift[1]).toBeCloseTo(-3.5, 1);
  });

  it('keeps integer shifts that all agree, and rejects one that is a pixel off', () => {
    const list = [
      ...Array.from({ length: 8 }, () => ({ shift: [2, -1], weight: 1 })),
      { shift: [3, -1], weight: 1 },
    ];
    const result = aggregateTileShifts(list);
    expect(result.shift).toEqual([2, -1]);
    expect(result.rejected).toEqual([8]);
    expect(result.standardError).toEqual([0, 0]);
  });

  it('with one or two usable tiles takes their weighted mean without rejection', () => {
    expect(aggregateTileShifts([{ shift: [1, 2], weight: 1 }]).shift).toEqual([1, 2]);
    const two = aggregateTileShifts([
      { shift: [0, 0], weight: 1 },
      { shift: [4, 8], weight: 3 },
    ]);
    expect(two.shift).toEqual([3, 6]);
    expect(two.rejected).toEqual([]);
  });

  it('fails with a permanent insufficient-data error when no tile is usable', () => {
    const list = [
      { shift: [1, 2], weight: 0 },
      { shift: [1, 2], weight: 1, skipped: true },
      { shift: [Number.NaN, 2], weight: 1 },
    ];
    for (const attempt of [
      () => aggregateTileShifts(list),
      () => aggregateTileShifts([]),
      () => aggregateTileShifts([{ shift: [0, 0], weight: 1 }], { minTiles: 2 }),
    ]) {
      try {
        attempt();
        expect.unreachable();
      } catch (error) {
        expect(isMetdbError(error, 'insufficient-data')).toBe(true);
        expect((error as { kind: string }).kind).toBe('permanent');
      }
    }
  });
});

describe('weightedMedian', () => {
  it('is the plain median with equal weights and ignores zero weights', () => {
    expect(weightedMedian([5, 1, 3], [1, 1, 1])).toBe(3);
    expect(weightedMedian([4, 1, 3, 2], [1, 1, 1, 1])).toBe(2.5);
    expect(weightedMedian([1, 100, 2], [1, 0, 1])).toBe(1.5);
    expect(weightedMedian([1, 2, 3], [1, 1, 5])).toBe(3);
    expect(weightedMedian([], [])).toBeNaN();
  });
});
