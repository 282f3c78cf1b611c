import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binImage } from '../../../shared/registration/preprocess/index.js';

describe('binImage', () => {
  it('sums 2x2 blocks and drops the trailing partial row and column', () => {
    // 5 x 5 -> 2 x 2: row 4 and column 4 are dropped
    const data = Uint16Array.from({ length: 25 }, (_, i) => i);
    const out = binImage({ data, shape: [5, 5] });
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([
      0 + 1 + 5 + 6,
      2 + 3 + 7 + 8,
      10 + 11 + 15 + 16,
      12 + 13 + 17 + 18,
    ]);
  });

  it('per-axis factors in 3D equal the direct block sum (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 9 }),
        ),
        fc.tuple(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
        ),
        (shape, factor) => {
          fc.pre(shape.every((n, k) => n >= (factor[k] as number)));
          const [nz, ny, nx] = shape;
          const data = Float32Array.from({ length: nz * ny * nx }, (_, i) => (i * 7) % 11);
          const out = binImage({ data, shape }, { factor, dtype: 'float32' });
          const [fz, fy, fx] = factor;
          const m = shape.map((n, k) => Math.floor(n / (factor[k] as number))) as [number, number, number];
          expect(out.shape).toEqual(m);
          for (let z = 0; z < m[0]; z++)
            for (let y = 0; y < m[1]; y++)
              for (let x = 0; x < m[2]; x++) {
                let s = 0;
                for (let a = 0; a < fz; a++)
                  for (let b = 0; b < fy; b++)
                    for (let c = 0; c < fx; c++)
                      s += data[((z * fz + a) * ny + y * fy + b) * nx + x * fx + c] as number;
                expect(out.data[(z * m[1] + y) * m[2] + x]).toBe(s);
              }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sums 8- and 16-bit rows by blocks of any length exactly (eights, fours and the rest; property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (ny, nx, fx, wide, seed) => {
          fc.pre(nx >= fx);
          const max = wide ? 65535 : 255;
          const values = Array.from({ length: ny * nx }, (_, i) => (i * 7919 + seed * 104729) % (max + 1));
          const data = wide ? Uint16Array.from(values) : Uint8Array.from(values);
          const out = binImage({ data, shape: [ny, nx] }, { factor: [1, fx] });
          const m = Math.floor(nx / fx);
          expect(out.shape).toEqual([ny, m]);
          for (let y = 0; y < ny; y++) {
            for (let x = 0; x < m; x++) {
              let s = 0;
              for (let c = 0; c < fx; c++) s += values[y * nx + x * fx + c]!;
              expect(out.data[y * m + x]).toBe(s);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects factors that are not integers >= 1 or longer than the axis', () => {
    const image = { data: new Float64Array(12), shape: [3, 4] };
    expect(() => binImage(image, { factor: 1.5 })).toThrow(/integers/);
    expect(() => binImage(image, { factor: [4, 1] })).toThrow(/exceeds/);
    expect(() => binImage(image, { factor: [2] })).toThrow(/one value per axis/);
  });
});
