import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitResiduals, fitTransform } from '../../shared/registration/similarity/fit-transform.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  similarityMatrix,
  similarityParameters,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';

function pairsThrough(m: Matrix3, points: [number, number][]) {
  const ux = points.map((p) => p[0]);
  const uy = points.map((p) => p[1]);
  const mapped = points.map(([x, y]) => applyMatrix(m, x, y));
  return { ux, uy, vx: mapped.map((p) => p[0]), vy: mapped.map((p) => p[1]) };
}

const grid: [number, number][] = [];
for (let y = 32; y < 512; y += 64) for (let x = 32; x < 512; x += 64) grid.push([x, y]);

describe('fitTransform', () => {
  it('recovers a similarity exactly from exact matches (any angle, scale, shift)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (angle, scale, t) => {
          const truth = similarityMatrix(angle, scale, [t, -t / 2], [255.5, 255.5]);
          const m = fitTransform(pairsThrough(truth, grid), 'similarity')!;
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 3; j++) expect(m[i]![j]).toBeCloseTo(truth[i]![j]!, 8);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rigid keeps scale 1 and finds the rotation of a scaled set', () => {
    // about the points' centroid, which a rigid fit maps onto the matches' centroid
    const truth = similarityMatrix(30, 1.2, [4, 5], [256, 256]);
    const m = fitTransform(pairsThrough(truth, grid), 'rigid')!;
    const p = similarityParameters(m, [256, 256]);
    expect(p.scale).toBeCloseTo(1, 12);
    expect(p.angle).toBeCloseTo(30, 10);
    expect(p.shift[0]).toBeCloseTo(4, 8);
  });

  it('affine recovers a shear; translation the mean offset', () => {
    const shear: Matrix3 = [
      [1.05, 0.12, -3],
      [-0.07, 0.96, 7.5],
      [0, 0, 1],
    ];
    const m = fitTransform(pairsThrough(shear, grid), 'affine')!;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(m[i]![j]).toBeCloseTo(shear[i]![j]!, 8);
    const t = fitTransform({ ux: [0, 10], uy: [0, 0], vx: [1, 12], vy: [2, 4] }, 'translation')!;
    expect(t[0][2]).toBeCloseTo(1.5, 12);
    expect(t[1][2]).toBeCloseTo(3, 12);
  });

  it('weights: a zero-weight outlier does not move the fit; residuals measure it', () => {
    const truth = similarityMatrix(-12, 0.9, [1, 2], [255.5, 255.5]);
    const pairs = pairsThrough(truth, grid);
    pairs.vx[5] = pairs.vx[5]! + 40;
    const weight = grid.map((_, i) => (i === 5 ? 0 : 1));
    const m = fitTransform({ ...pairs, weight }, 'similarity')!;
    const res = fitResiduals(pairs, m);
    expect(res[5]).toBeCloseTo(40, 6);
    expect(Math.max(...res.filter((_, i) => i !== 5))).toBeLessThan(1e-8);
  });

  it('returns null for too few or degenerate matches', () => {
    expect(fitTransform({ ux: [1], uy: [1], vx: [2], vy: [2] }, 'similarity')).toBeNull();
    expect(fitTransform({ ux: [1, 1], uy: [1, 1], vx: [2, 3], vy: [2, 3] }, 'rigid')).toBeNull();
    expect(fitTransform({ ux: [0, 1, 2], uy: [0, 1, 2], vx: [0, 1, 2], vy: [0, 1, 2] }, 'affine')).toBeNull();
    expect(fitTransform({ ux: [], uy: [], vx: [], vy: [] }, 'translation')).toBeNull();
  });

  it('composes and inverts: m · m⁻¹ is the identity', () => {
    const m = similarityMatrix(77, 1.3, [5, -2], [100, 50]);
    const id = multiplyMatrices(m, invertMatrix(m));
    expect(id[0][0]).toBeCloseTo(1, 12);
    expect(id[0][1]).toBeCloseTo(0, 12);
    expect(id[1][2]).toBeCloseTo(0, 10);
  });
});
