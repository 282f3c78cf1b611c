import { describe, expect, it } from 'vitest';
import { driftTrajectory } from '../../shared/aggregation/drift-trajectory.js';
import {
  redundantCrossCorrelation,
  type PairShift,
} from '../../shared/aggregation/redundant-cross-correlation.js';
import { solveSpd } from '../../shared/aggregation/solve-spd.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { seededUniform } from '../../shared/random/seeded.js';

/** A smooth stage drift: frame k's shift onto frame 0, pixels (y, x). */
const truth = Array.from({ length: 12 }, (_, k) => [0.8 * k + 0.3 * Math.sin(k), -0.5 * k + 0.02 * k * k]);
const trueShift = (k: number): number[] => truth[k]!.map((v, a) => v - truth[0]![a]!);

/** Every pair i < j with the measured shift d_ij = x_j - x_i plus noise of +-noise px. */
function allPairs(noise: number, seed: number): PairShift[] {
  const rand = seededUniform(seed);
  const pairs: PairShift[] = [];
  for (let i = 0; i < truth.length; i++) {
    for (let j = i + 1; j < truth.length; j++) {
      pairs.push({
        i,
        j,
        shift: trueShift(j).map((v, a) => v - trueShift(i)[a]! + noise * (2 * rand() - 1)),
      });
    }
  }
  return pairs;
}

function maxError(shifts: number[][]): number {
  return Math.max(...shifts.map((s, k) => Math.hypot(...s.map((v, a) => v - trueShift(k)[a]!))));
}

describe('redundantCrossCorrelation', () => {
  it('recovers a synthetic drift from noisy redundant pairs within 0.05 px', () => {
    const result = redundantCrossCorrelation(allPairs(0.05, 1));
    expect(result.shifts[0]).toEqual([0, 0]);
    expect(maxError(result.shifts)).toBeLessThan(0.05);
    expect(result.rejected).toEqual([]);
    expect(result.rms).toBeLessThan(0.05);
  });

  it('drops a few bad pairs and still recovers the drift within 0.05 px', () => {
    const pairs = allPairs(0.05, 2);
    const corrupted = [3, 17, 40, 58];
    const bad = pairs.map((p, k) =>
      corrupted.includes(k) ? { ...p, shift: [p.shift[0]! + 7, p.shift[1]! - 4] } : p,
    );
    const plain = redundantCrossCorrelation(bad, { maxResidual: 1e9 });
    expect(maxError(plain.shifts)).toBeGreaterThan(0.3);
    const result = redundantCrossCorrelation(bad);
    expect([...result.rejected].sort((a, b) => a - b)).toEqual(corrupted);
    expect(maxError(result.shifts)).toBeLessThan(0.05);
    expect(Math.hypot(...result.residuals[17]!)).toBeGreaterThan(5);
  });

  it('never drops the only pair linking a frame, and weights count', () => {
    const pairs: PairShift[] = [
      { i: 0, j: 1, shift: [1, 0] },
      { i: 1, j: 2, shift: [1, 0] },
      { i: 0, j: 2, shift: [2.9, 0], weight: 3 },
      { i: 2, j: 3, shift: [40, 40] },
    ];
    const result = redundantCrossCorrelation(pairs, { maxResidual: 0.1 });
    // The triangle 0-1-2 disagrees by 0.9 px: a light pair goes (the heavy one has the smaller
    // residual); the bridge to frame 3 is far off its own "truth" but is never dropped.
    expect(result.rejected).toHaveLength(1);
    expect([0, 1]).toContain(result.rejected[0]);
    expect(result.shifts[2]![0]).toBeCloseTo(2.9, 9);
    expect(result.shifts[3]![0]).toBeCloseTo(42.9, 9);
  });

  it('reports frames not connected to frame 0 as insufficient data', () => {
    const pairs = [
      { i: 0, j: 1, shift: [1, 1] },
      { i: 2, j: 3, shift: [1, 1] },
    ];
    expect(() => redundantCrossCorrelation(pairs)).toThrow(
      expect.objectContaining({ code: 'insufficient-data' }),
    );
    try {
      redundantCrossCorrelation([{ i: 0, j: 0, shift: [1] }]);
      expect.unreachable();
    } catch (error) {
      expect(isMetdbError(error, 'invalid-argument')).toBe(true);
    }
  });
});

describe('solveSpd', () => {
  it('solves a symmetric positive-definite system and refuses a singular one', () => {
    const a = Float64Array.from([4, 2, 0, 2, 5, 1, 0, 1, 3]);
    const [x] = solveSpd(a, 3, [Float64Array.from([2, 1, 4])])!;
    const back = [0, 1, 2].map((r) => [0, 1, 2].reduce((s, c) => s + a[r * 3 + c]! * x![c]!, 0));
    expect(back[0]).toBeCloseTo(2, 12);
    expect(back[1]).toBeCloseTo(1, 12);
    expect(back[2]).toBeCloseTo(4, 12);
    expect(solveSpd(Float64Array.from([1, 1, 1, 1]), 2, [Float64Array.from([1, 1])])).toBeNull();
  });
});

describe('driftTrajectory', () => {
  it('orders frames and gives drift, steps, path length and speed', () => {
    const points = driftTrajectory([
      { frame: 4, shift: [-3, -4] },
      { frame: 0, shift: [0, 0] },
      { frame: 2, shift: [0, 0] },
    ]);
    expect(points.map((p) => p.frame)).toEqual([0, 2, 4]);
    expect(points[2]!.drift).toEqual([3, 4]);
    expect(points[2]!.step).toEqual([3, 4]);
    expect(points[2]!.speed).toBeCloseTo(2.5, 12);
    expect(points[2]!.pathLength).toBeCloseTo(5, 12);
    expect(points[0]!.speed).toBe(0);
    expect(() =>
      driftTrajectory([
        { frame: 1, shift: [0] },
        { frame: 1, shift: [1] },
      ]),
    ).toThrow(/duplicate/);
  });
});
