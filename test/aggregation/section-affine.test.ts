import { beforeAll, describe, expect, it } from 'vitest';
import { cumulativeTransforms } from '../../shared/aggregation/cumulative-transforms.js';
import { fitSectionTransform } from '../../shared/aggregation/section-transform.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';
import { frameOf } from '../../shared/series/frame-of.js';
import { sectionPairTransform } from '../../shared/tiling/section-pair-transform.js';
import { cornerError, sectionStack } from '../series/section-stack.js';
import { gaussian, withNoise } from '../tiling/pixels.js';

const apply = (m: Matrix3, pts: number[][]) => pts.map(([x, y]) => applyMatrix(m, x!, y!));

describe('fitSectionTransform', () => {
  const truth: Matrix3 = [
    [1.01, 0.004, 3.2],
    [-0.003, 0.995, -1.7],
    [0, 0, 1],
  ];
  const grid = Array.from({ length: 36 }, (_, i) => [40 + 60 * (i % 6), 30 + 55 * Math.floor(i / 6)]);
  const pairs = (m: Matrix3, noise = 0, seed = 1) => {
    const g = gaussian(seed);
    const moved = apply(m, grid);
    return {
      ux: grid.map((p) => p[0]!),
      uy: grid.map((p) => p[1]!),
      vx: moved.map((p) => p[0] + noise * g()),
      vy: moved.map((p) => p[1] + noise * g()),
    };
  };

  it('recovers an affine exactly, and with outliers rejected', () => {
    const exact = fitSectionTransform(pairs(truth), 'affine');
    exact.matrix.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(truth[i]![j]!, 9)));
    expect(exact.flagged).toBeNull();
    const spoiled = pairs(truth, 0.05);
    spoiled.vx[3] = spoiled.vx[3]! + 9;
    spoiled.vy[20] = spoiled.vy[20]! - 15;
    const robust = fitSectionTransform(spoiled, 'affine');
    expect(robust.inliers).toBe(34);
    expect(robust.residualRms).toBeLessThan(0.1);
    robust.matrix.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(v - truth[i]![j]!)).toBeLessThan(j === 2 ? 0.1 : 1e-3)),
    );
  });

  it('fits the restricted models and shrinks toward a shift with lambda', () => {
    const xscale = fitSectionTransform(pairs(truth), 'xscale-shift').matrix;
    expect([xscale[0][1], xscale[1][0], xscale[1][1]]).toEqual([0, 0, 1]);
    const scale = fitSectionTransform(pairs(truth), 'scale-shift').matrix;
    expect([scale[0][1], scale[1][0]]).toEqual([0, 0]);
    expect(scale[0][0]).toBeCloseTo(1.01, 2);
    expect(scale[1][1]).toBeCloseTo(0.995, 2);
    const deviation = (lambda: number) => {
      const m = fitSectionTransform(pairs(truth), 'regularized-affine', { lambda }).matrix;
      return Math.hypot(m[0][0] - 1, m[0][1], m[1][0], m[1][1] - 1);
    };
    const affine = Math.hypot(0.01, 0.004, 0.003, 0.005);
    expect(deviation(0)).toBeCloseTo(affine, 9);
    expect(deviation(1)).toBeLessThan(0.6 * affine);
    expect(deviation(1e6)).toBeLessThan(1e-5);
  });

  it('falls back to a shift, flagged, on too little evidence', () => {
    const few = pairs(truth);
    const three = {
      ux: few.ux.slice(0, 3),
      uy: few.uy.slice(0, 3),
      vx: few.vx.slice(0, 3),
      vy: few.vy.slice(0, 3),
    };
    const fit = fitSectionTransform(three, 'affine');
    expect(fit.flagged).toBe('too-few-points');
    expect(fit.model).toBe('translation');
    expect(fitSectionTransform({ ux: [], uy: [], vx: [], vy: [] }, 'affine').flagged).toBe('no-points');
  });
});

describe('cumulativeTransforms', () => {
  it('composes steps onto section 0, removes a slow scale drift with Savitzky-Golay and a linear trend', () => {
    const step: Matrix3 = [
      [1.002, 0, 1],
      [0, 1, 0.5],
      [0, 0, 1],
    ];
    const steps = Array.from({ length: 20 }, () => ({ matrix: step, centroid: [100, 80] as const }));
    const plain = cumulativeTransforms(steps);
    expect(plain).toHaveLength(21);
    expect(plain[2]).toEqual(multiplyMatrices(step, step));
    const smoothed = cumulativeTransforms(steps, { smoothing: { window: 11, order: 2 } });
    // The steady scale drift (1.002^k, 4 % over the stack) is slow: smoothing takes it out.
    for (const m of smoothed) expect(Math.abs(m[0][0] - 1)).toBeLessThan(1e-5);
    // Consecutive sections still agree where the steps were measured.
    for (let k = 1; k <= 20; k++) {
      const [x, y] = applyMatrix(step, 100, 80);
      const a = applyMatrix(smoothed[k]!, 100, 80);
      const b = applyMatrix(smoothed[k - 1]!, x, y);
      expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(1e-9);
    }
    const detrended = cumulativeTransforms(steps, { subtractLinearTrend: true });
    for (const m of detrended) expect(Math.abs(m[1][2])).toBeLessThan(1e-9);
  });
});

describe('frame-to-frame affine alignment of a real image with slowly varying distortion and 3 % noise', () => {
  let sections: NdArray[];
  let truths: Matrix3[]; // base -> section k
  const [h, w] = [320, 384];

  beforeAll(async () => {
    const base = (await readImageFile(new URL('../fixtures/accuracy/camera.png', import.meta.url).pathname))
      .array;
    truths = Array.from({ length: 7 }, (_, k) => {
      const sx = 1 + 0.004 * Math.sin(k / 2);
      const sy = 1 - 0.003 * k * 0.3;
      const shear = 0.002 * Math.cos(k / 3);
      const [cx, cy] = [255.5, 255.5];
      const [ox, oy] = [(w - 1) / 2 + 1.3 * k, (h - 1) / 2 - 0.8 * k];
      return [
        [sx, shear, ox - sx * cx - shear * cy],
        [-shear / 2, sy, oy + (shear / 2) * cx - sy * cy],
        [0, 0, 1],
      ] as Matrix3;
    });
    sections = truths.map((m, k) =>
      withNoise(warpToReference(base, m, { outputShape: [h, w] }), 0.03 * 255, 100 + k),
    );
  });

  it('every section onto section 0 within 0.5 px at the corners on average', () => {
    const steps = sections.slice(1).map((s, k) => {
      const fit = sectionPairTransform(sections[k]!, s, { model: 'affine', tileSize: 64 });
      expect(fit.flagged).toBeNull();
      return fit;
    });
    const cumulative = cumulativeTransforms(steps);
    const corners = [
      [0, 0],
      [w - 1, 0],
      [0, h - 1],
      [w - 1, h - 1],
    ];
    const errors = cumulative.slice(1).flatMap((m, i) => {
      const truth = multiplyMatrices(truths[0]!, invertMatrix(truths[i + 1]!)); // section k -> section 0
      const got = apply(m, corners);
      return apply(truth, corners).map(([x, y], c) => Math.hypot(got[c]![0] - x, got[c]![1] - y));
    });
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(mean).toBeLessThan(0.5);
    expect(Math.max(...errors)).toBeLessThan(1.5);
  });
});

describe('a stack of an SEM-like tissue section with slowly varying affine distortion and 3 % noise', () => {
  it('puts every section onto section 0 within 0.5 px at its corners on average', async () => {
    const [n, h, w] = [10, 320, 400];
    const { stack, truth } = await sectionStack({ n, h, w });
    const sections = Array.from({ length: n }, (_, k) => frameOf(stack, [h, w], { start: k, count: 1 }));
    const steps = sections.slice(1).map((s, k) => {
      const fit = sectionPairTransform(sections[k]!, s, { model: 'affine', tileSize: 64 });
      expect(fit.flagged).toBeNull();
      return fit;
    });
    const perSection = cumulativeTransforms(steps)
      .slice(1)
      .map((m, i) => cornerError(m, truth[i + 1]!, [h, w]));
    for (const e of perSection) expect(e).toBeLessThan(0.5);
    expect(perSection.reduce((s, e) => s + e, 0) / perSection.length).toBeLessThan(0.3);
  });
});
