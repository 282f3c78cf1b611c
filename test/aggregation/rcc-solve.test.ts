import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandedCholesky, inverseDiagonal, solveBanded } from '../../shared/aggregation/banded-cholesky.js';
import { interpolateTrajectory } from '../../shared/aggregation/interpolate-trajectory.js';
import {
  redundantCrossCorrelation,
  type PairShift,
} from '../../shared/aggregation/redundant-cross-correlation.js';
import { seriesPairs } from '../../shared/aggregation/series-pairs.js';
import { solveSpd } from '../../shared/aggregation/solve-spd.js';
import { seededGaussian } from '../../shared/random/seeded.js';

describe('bandedCholesky', () => {
  it('solves like the dense Cholesky and gives the inverse diagonal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        (n, w, seed) => {
          const g = seededGaussian(seed);
          const bw = Math.min(w, n - 1);
          // A diagonally dominant band matrix: positive definite.
          const dense = new Float64Array(n * n);
          const band = new Float64Array(n * (bw + 1));
          for (let i = 0; i < n; i++) {
            for (let j = Math.max(0, i - bw); j < i; j++) {
              const v = g();
              dense[i * n + j] = dense[j * n + i] = v;
              band[i * (bw + 1) + (j - i + bw)] = v;
            }
          }
          for (let i = 0; i < n; i++) {
            const d = 2 * bw + 1 + Math.abs(g());
            dense[i * n + i] = d;
            band[i * (bw + 1) + bw] = d;
          }
          const b = Float64Array.from({ length: n }, g);
          const factor = bandedCholesky(band, n, bw)!;
          const x = solveBanded(factor, b);
          const expected = solveSpd(dense, n, [b])![0]!;
          x.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9));
          const unit = (k: number): Float64Array =>
            Float64Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
          const columns = solveSpd(
            dense,
            n,
            Array.from({ length: n }, (_, k) => unit(k)),
          )!;
          inverseDiagonal(factor).forEach((v, k) => expect(v).toBeCloseTo(columns[k]![k]!, 9));
        },
      ),
    );
    expect(bandedCholesky(Float64Array.from([1, 1, 1, 1]), 2, 1)).toBeNull(); // [[1,1],[1,1]] is singular
  });
});

describe('redundantCrossCorrelation error estimate', () => {
  it('matches the spread of the solution over noise draws (within 25 %)', () => {
    const frames = 30;
    const noise = 0.05;
    const pairs = seriesPairs(frames, 'rcc', { window: 5 });
    const solutions: number[][][] = [];
    let estimated: number[][] = [];
    for (let draw = 0; draw < 200; draw++) {
      const g = seededGaussian(draw + 1);
      const measured: PairShift[] = pairs.map(([i, j]) => ({
        i,
        j,
        shift: [0.3 * (j - i) + noise * g(), noise * g()],
      }));
      const r = redundantCrossCorrelation(measured, { maxResidual: 1e9 });
      solutions.push(r.shifts);
      if (draw === 0) estimated = r.errors;
    }
    for (const f of [1, 10, 29]) {
      for (const a of [0, 1]) {
        const values = solutions.map((s) => s[f]![a]!);
        const mean = values.reduce((p, v) => p + v, 0) / values.length;
        const sd = Math.sqrt(values.reduce((p, v) => p + (v - mean) ** 2, 0) / (values.length - 1));
        expect(estimated[f]![a]! / sd).toBeGreaterThan(0.75);
        expect(estimated[f]![a]! / sd).toBeLessThan(1.25);
      }
    }
    expect(estimated[0]).toEqual([0, 0]);
  });

  it('has no estimate without redundancy (consecutive pairs)', () => {
    const r = redundantCrossCorrelation(
      seriesPairs(4, 'consecutive').map(([i, j]) => ({ i, j, shift: [1, 2] })),
    );
    r.shifts[3]!.forEach((v, a) => expect(v).toBeCloseTo([3, 6][a]!, 12));
    expect(r.errors[3]!.every(Number.isNaN)).toBe(true);
  });
});

describe('interpolateTrajectory', () => {
  it('passes through the knots, is exact for straight lines and continues the end slopes', () => {
    const times = [0, 2, 5, 9];
    const line = times.map((t) => [1 + 0.5 * t, -t]);
    for (const method of ['linear', 'cubic'] as const) {
      const at = [-3, 0, 1, 2, 3.3, 9, 12];
      interpolateTrajectory(times, line, at, method).forEach((v, k) => {
        expect(v[0]).toBeCloseTo(1 + 0.5 * at[k]!, 12);
        expect(v[1]).toBeCloseTo(-at[k]!, 12);
      });
    }
  });

  it('cubic follows a smooth curve better than linear', () => {
    const f = (t: number): number => 10 * Math.sin(t / 7);
    const times = Array.from({ length: 8 }, (_, k) => 5 * k);
    const values = times.map((t) => [f(t)]);
    const at = Array.from({ length: 36 }, (_, k) => k);
    const error = (method: 'linear' | 'cubic'): number =>
      Math.max(
        ...interpolateTrajectory(times, values, at, method).map((v, k) => Math.abs(v[0]! - f(at[k]!))),
      );
    // Linear errs by h^2 |f''| / 8 (0.64 here); the natural spline's error is largest at the ends.
    expect(error('linear')).toBeGreaterThan(0.5);
    expect(error('cubic')).toBeLessThan(0.5 * error('linear'));
    expect(interpolateTrajectory([3], [[7, 8]], [0, 5])).toEqual([
      [7, 8],
      [7, 8],
    ]);
    expect(() => interpolateTrajectory([0, 0], [[1], [2]], [0])).toThrow(/increase strictly/);
  });
});
