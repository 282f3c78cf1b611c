import { describe, expect, it } from 'vitest';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { outputFrameBox } from '../../shared/tiling/output-frame-box.js';

const shift = (x: number, y: number): Matrix3 => [
  [1, 0, x],
  [0, 1, y],
  [0, 0, 1],
];

describe('outputFrameBox', () => {
  const transforms = [shift(0, 0), shift(3.5, -2), shift(-4.2, 1.25)];
  it('first: section 0 frame; pad: every section whole; crop: what all of them cover', () => {
    expect(outputFrameBox(transforms, [60, 80], 'first')).toEqual({ x: 0, y: 0, width: 80, height: 60 });
    // Section 2 reaches x = -4.2, section 1 x = 82.5 and y = -2, section 2 y = 60.25.
    expect(outputFrameBox(transforms, [60, 80], 'pad')).toEqual({ x: -5, y: -2, width: 89, height: 64 });
    // Common: x from 3.5 to 74.8, y from 1.25 to 57.
    expect(outputFrameBox(transforms, [60, 80], 'crop')).toEqual({ x: 4, y: 2, width: 71, height: 56 });
    expect(outputFrameBox([shift(0, 0), shift(2, 3)], [60, 80], 'crop')).toEqual({
      x: 2,
      y: 3,
      width: 78,
      height: 57,
    });
  });

  it('crop stays inside a sheared and scaled section; no overlap is an error', () => {
    const sheared: Matrix3 = [
      [1.01, 0.02, -3],
      [-0.01, 0.99, 2],
      [0, 0, 1],
    ];
    const box = outputFrameBox([shift(0, 0), sheared], [100, 100], 'crop');
    const inverse = (x: number, y: number) => {
      const [[a, b, c], [d, e, f]] = sheared;
      const det = a * e - b * d;
      return [(e * (x - c) - b * (y - f)) / det, (a * (y - f) - d * (x - c)) / det];
    };
    for (const [x, y] of [
      [box.x, box.y],
      [box.x + box.width - 1, box.y],
      [box.x, box.y + box.height - 1],
      [box.x + box.width - 1, box.y + box.height - 1],
    ]) {
      const [u, v] = inverse(x!, y!);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThanOrEqual(99);
      expect(v).toBeLessThanOrEqual(99);
    }
    expect(() => outputFrameBox([shift(0, 0), shift(200, 0)], [100, 100], 'crop')).toThrow(/no region/);
  });
});
