import { describe, expect, it } from 'vitest';
import { cumulativeTransforms } from '../../shared/aggregation/cumulative-transforms.js';
import { savitzkyGolay } from '../../shared/aggregation/savitzky-golay.js';
import { slowTrend } from '../../shared/aggregation/slow-trend.js';
import { applyMatrix, type Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { gaussian } from '../tiling/pixels.js';
import { hasPython, runPython } from '../support/python-readers.js';

const g = gaussian(5);
const values = Array.from({ length: 40 }, (_, k) => 1 + 2e-4 * k - 3e-6 * k * k + 1e-4 * g());

describe('slowTrend', () => {
  it('fits a line through the start value (the toolkit LF) and a polynomial exactly when there is one', () => {
    const line = Array.from({ length: 12 }, (_, k) => 1 + 0.003 * k);
    const fitted = slowTrend(line, 1, { fit: 'linear' })!;
    fitted.forEach((v, k) => expect(v).toBeCloseTo(line[k]!, 12));
    // Forced through the start: an offset line is not followed, its slope is.
    const offset = slowTrend(
      line.map((v) => v + 0.01),
      1,
      { fit: 'linear' },
    )!;
    expect(offset[0]).toBe(1);
    const cubic = Array.from({ length: 30 }, (_, k) => 0.5 - 0.02 * k + 1e-3 * k * k - 2e-5 * k ** 3);
    slowTrend(cubic, 0, { fit: 'polynomial', order: 3 })!.forEach((v, k) =>
      expect(v).toBeCloseTo(cubic[k]!, 10),
    );
    expect(slowTrend([1, 2], 0, { fit: 'polynomial', order: 2 })).toBeNull();
    expect(slowTrend([1, 2, 3], 0, { window: 5, order: 3 })).toBeNull();
    expect(Array.from(slowTrend(values, 1, { window: 11, order: 2 })!)).toEqual(
      Array.from(savitzkyGolay(values, { window: 11, order: 2 })),
    );
  });

  it.skipIf(!hasPython('numpy'))('matches numpy: polyfit/polyval and the toolkit linear fit', () => {
    const numpy = runPython<{ pf: number[]; lf: number[] }>(
      String.raw`
import json, sys, numpy as np
v = np.array(json.loads(sys.argv[1])); fr = np.arange(len(v), dtype=float)
pf = np.polyval(np.polyfit(fr, v, 2), fr)
slope = -1.0 * (np.sum(fr) - np.dot(v, fr)) / np.dot(fr, fr)
print(json.dumps({'pf': pf.tolist(), 'lf': (1.0 + slope * fr).tolist()}))`,
      JSON.stringify(values),
    );
    slowTrend(values, 1, { fit: 'polynomial', order: 2 })!.forEach((v, k) =>
      expect(v).toBeCloseTo(numpy.pf[k]!, 12),
    );
    slowTrend(values, 1, { fit: 'linear' })!.forEach((v, k) => expect(v).toBeCloseTo(numpy.lf[k]!, 12));
  });
});

describe('cumulativeTransforms with each fit', () => {
  // A steady bias of every step (scale 0.1 %, shear 0.05 %) that the stack does not have.
  const step: Matrix3 = [
    [1.001, 0.0005, 0.8],
    [0, 1, -0.3],
    [0, 0, 1],
  ];
  const steps = Array.from({ length: 30 }, () => ({ matrix: step, centroid: [200, 150] as const }));
  it.each([
    ['linear', { fit: 'linear' as const }],
    ['polynomial', { fit: 'polynomial' as const, order: 2 }],
    ['savitzky-golay', { window: 15, order: 2 }],
  ])('%s: scale and shear stay at the identity, consecutive sections still agree', (_, smoothing) => {
    const plain = cumulativeTransforms(steps);
    expect(plain[30]![0][0]).toBeGreaterThan(1.03);
    const smoothed = cumulativeTransforms(steps, { smoothing });
    for (const m of smoothed) {
      expect(Math.abs(m[0][0] - 1)).toBeLessThan(2e-4);
      expect(Math.abs(m[0][1])).toBeLessThan(1e-4);
    }
    for (let k = 1; k <= 30; k++) {
      const [x, y] = applyMatrix(step, 200, 150);
      const a = applyMatrix(smoothed[k]!, 200, 150);
      const b = applyMatrix(smoothed[k - 1]!, x, y);
      expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(1e-9);
    }
  });

  it('subtracts the linear trend of one axis only', () => {
    const [x, y] = [0, 1].map((row) =>
      cumulativeTransforms(steps, { subtractLinearTrend: [row === 0, row === 1] }),
    );
    expect(Math.abs(x![30]![0][2])).toBeLessThan(1); // 30 x 0.8 px removed, up to the scale's curvature
    expect(x![30]![1][2]).toBeCloseTo(-9, 6); // y kept
    expect(y![30]![0][2]).toBeGreaterThan(24);
    y!.forEach((m) => expect(Math.abs(m[1][2])).toBeLessThan(1e-9));
  });
});
