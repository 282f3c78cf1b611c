import { describe, expect, it } from 'vitest';
import { normalizedCrossCorrelation } from '../../shared/aggregation/index.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { gaussian } from '../tiling/pixels.js';

function random(shape: number[], seed: number): NdArray<Float64Array> {
  const g = gaussian(seed);
  return ndarray(
    Float64Array.from({ length: shape.reduce((p, c) => p * c) }, () => g()),
    shape,
  );
}

/** b(p) = a(p - s) for an integer shift s, with unrelated values where p - s leaves the image. */
function integerShifted(a: NdArray, s: number[], seed: number): NdArray<Float64Array> {
  const [h, w] = a.shape as [number, number];
  const junk = gaussian(seed);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = y - s[0]!;
      const sx = x - s[1]!;
      out[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? a.data[sy * w + sx]! : 10 * junk();
    }
  }
  return ndarray(out, a.shape);
}

describe('normalizedCrossCorrelation', () => {
  it('is 1 for identical content up to gain and offset, -1 for a negative, about 0 for unrelated images', () => {
    const a = random([40, 50], 1);
    expect(
      normalizedCrossCorrelation(
        a,
        ndarray(
          a.data.map((v) => 3 * v + 7),
          a.shape,
        ),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      normalizedCrossCorrelation(
        a,
        ndarray(
          a.data.map((v) => -v),
          a.shape,
        ),
      ),
    ).toBeCloseTo(-1, 12);
    expect(Math.abs(normalizedCrossCorrelation(a, random([40, 50], 2)))).toBeLessThan(0.05);
  });

  it('after an integer shift, counts only the valid overlap (not the wrapped borders)', () => {
    const a = random([40, 50], 3);
    const b = integerShifted(a, [3, -5], 4);
    // b registers onto a by shifting it by -s: a(p) = b(p + s).
    const shift = [-3, 5];
    expect(normalizedCrossCorrelation(a, b)).toBeLessThan(0.1);
    expect(normalizedCrossCorrelation(a, b, { shift })).toBeCloseTo(1, 12);
    const wrapped = normalizedCrossCorrelation(a, b, { shift, overlapOnly: false });
    expect(wrapped).toBeLessThan(0.9);
  });

  it('interpolates fractional shifts linearly, in 3D too', () => {
    // A linear ramp is reproduced exactly by linear interpolation.
    const shape = [6, 20, 30];
    const ramp = (s: number[]) =>
      ndarray(
        Float64Array.from({ length: 6 * 20 * 30 }, (_, i) => {
          const z = Math.floor(i / 600);
          const y = Math.floor(i / 30) % 20;
          const x = i % 30;
          return (z - s[0]!) * (z - s[0]!) + 2 * (y - s[1]!) + 0.5 * (x - s[2]!) * (y - s[1]!);
        }),
        shape,
      );
    const a = ramp([0, 0, 0]);
    const b = ramp([0, -1.25, 2.5]);
    const after = normalizedCrossCorrelation(a, b, { shift: [0, 1.25, -2.5] });
    expect(after).toBeGreaterThan(0.9999999);
    expect(normalizedCrossCorrelation(a, b)).toBeLessThan(after - 0.005);
    expect(normalizedCrossCorrelation(a, b, { shift: [0, -1.25, 2.5] })).toBeLessThan(after - 0.01);
  });

  it('is NaN without overlap or variance, and checks its inputs', () => {
    const a = random([10, 10], 5);
    expect(normalizedCrossCorrelation(a, a, { shift: [10, 0] })).toBeNaN();
    const flat = ndarray(new Uint8Array(100).fill(3), [10, 10]);
    expect(normalizedCrossCorrelation(a, flat)).toBeNaN();
    expect(() => normalizedCrossCorrelation(a, random([10, 11], 6))).toThrow(
      expect.objectContaining({ code: 'shape-mismatch' }),
    );
    expect(() => normalizedCrossCorrelation(a, a, { shift: [Number.NaN, 0] })).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    );
  });
});
