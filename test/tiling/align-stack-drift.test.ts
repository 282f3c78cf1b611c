import { beforeAll, describe, expect, it } from 'vitest';
import { cumulativeTransforms } from '../../shared/aggregation/cumulative-transforms.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';
import {
  sectionPairTransform,
  type SectionPairTransformResult,
} from '../../shared/tiling/section-pair-transform.js';
import { gaussian, withNoise } from './pixels.js';

// A synthetic FIB-SEM stack with known drift: 21 sections of a real image, each shifted by a
// steady stage drift (0.6, -0.4) px per section plus a random jitter of up to 1.5 px, 3 % noise.
// Steps measured with a steady bias of 0.1 % scale (what accumulates from small per-pair errors)
// make the plain cumulative transform drift in scale; preserving scales takes it out, and
// subtracting the linear trend takes the stage drift out.
const [n, h, w] = [21, 256, 256];
const corners = [
  [0, 0],
  [w - 1, 0],
  [0, h - 1],
  [w - 1, h - 1],
];
let truths: Matrix3[]; // section k -> section 0
let steps: SectionPairTransformResult[];

beforeAll(async () => {
  const base = (await readImageFile(new URL('../fixtures/accuracy/camera.png', import.meta.url).pathname))
    .array;
  const jitter = gaussian(21);
  const toSection = Array.from({ length: n }, (_, k): Matrix3 => {
    const [jx, jy] = k === 0 ? [0, 0] : [0.7 * jitter(), 0.7 * jitter()];
    return [
      [1, 0, -(120 + 0.6 * k + jx)],
      [0, 1, -(100 - 0.4 * k + jy)],
      [0, 0, 1],
    ];
  }); // base -> section k
  truths = toSection.map((m) => multiplyMatrices(toSection[0]!, invertMatrix(m)));
  const sections: NdArray[] = toSection.map((m, k) =>
    withNoise(warpToReference(base, m, { outputShape: [h, w], order: 1 }), 0.03 * 255, 300 + k),
  );
  steps = sections
    .slice(1)
    .map((s, k) => sectionPairTransform(sections[k]!, s, { model: 'affine', tileSize: 64 }));
});

const bias: Matrix3 = [
  [1.001, 0, -0.001 * 127.5],
  [0, 1.001, -0.001 * 127.5],
  [0, 0, 1],
];
const meanCornerError = (got: Matrix3[], want: Matrix3[]) => {
  const errors = got.flatMap((m, k) =>
    corners.map(([x, y]) => {
      const a = applyMatrix(m, x!, y!);
      const b = applyMatrix(want[k]!, x!, y!);
      return Math.hypot(a[0] - b[0], a[1] - b[1]);
    }),
  );
  return errors.reduce((s, e) => s + e, 0) / errors.length;
};

describe('the cumulative transform of a stack with known drift', () => {
  it('is right without bias, drifts in scale with it, and preserving scales brings it back', () => {
    expect(steps.every((s) => s.flagged === null)).toBe(true);
    expect(meanCornerError(cumulativeTransforms(steps), truths)).toBeLessThan(0.5);
    const biased = steps.map((s) => ({ ...s, matrix: multiplyMatrices(bias, s.matrix) }));
    const drifting = cumulativeTransforms(biased);
    expect(drifting[n - 1]![0][0]).toBeGreaterThan(1.019);
    expect(meanCornerError(drifting, truths)).toBeGreaterThan(1.5);
    for (const smoothing of [{ fit: 'linear' as const }, { fit: 'polynomial' as const, order: 2 }]) {
      const kept = cumulativeTransforms(biased, { smoothing });
      expect(meanCornerError(kept, truths)).toBeLessThan(0.5);
    }
  });

  it('subtracting the linear trend removes the stage drift and keeps the jitter', () => {
    const detrended = cumulativeTransforms(steps, { subtractLinearTrend: true });
    // The truth with its own least-squares line taken out of each translation.
    const want = truths.map((m) => m.map((row) => [...row]) as Matrix3);
    for (const row of [0, 1] as const) {
      const v = truths.map((m) => m[row][2]);
      const mk = (n - 1) / 2;
      const mv = v.reduce((s, x) => s + x, 0) / n;
      const slope =
        v.reduce((s, x, k) => s + (k - mk) * (x - mv), 0) / v.reduce((s, _, k) => s + (k - mk) ** 2, 0);
      if (row === 0) expect(slope).toBeCloseTo(0.6, 1);
      want.forEach((m, k) => (m[row][2] = v[k]! - mv - slope * (k - mk)));
    }
    expect(meanCornerError(detrended, want)).toBeLessThan(0.5);
    // What is left is the jitter (about 0.7 px): not flattened with the drift.
    const spread = Math.max(...detrended.map((m) => Math.abs(m[0][2])));
    expect(spread).toBeGreaterThan(0.5);
  });
});
