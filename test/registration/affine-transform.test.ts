import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { affineTransform } from '../../shared/registration/affine-transform.js';
import { interpolatedShift, type ShiftMode } from '../../shared/registration/interpolated-shift.js';
import { maxRelativeError, readFloat64 } from '../support/float64-files.js';

// Golden outputs of scipy.ndimage.affine_transform (SciPy 1.10), made by
// test/registration/make-affine-fixtures.py from the crops in ../fixtures/shift.
const dir = fileURLToPath(new URL('../fixtures/affine/', import.meta.url));
const inputs = fileURLToPath(new URL('../fixtures/shift/', import.meta.url));
interface Case {
  input: string;
  shape: number[];
  matrix: number[][];
  offset: number | number[];
  outputShape: number[];
  order: 0 | 1 | 3;
  mode: ShiftMode;
  cval: number;
  prefilter: boolean;
  output: string;
}
const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { cases: Case[] };
const f64 = readFloat64;

describe('affineTransform against scipy.ndimage.affine_transform', () => {
  it.each(manifest.cases.map((c) => [c.output, c] as const))('%s', (_name, c) => {
    const image = { data: f64(inputs + c.input), shape: c.shape };
    const actual = affineTransform(image, c.matrix, {
      offset: c.offset,
      outputShape: c.outputShape,
      order: c.order,
      mode: c.mode,
      cval: c.cval,
      prefilter: c.prefilter,
    });
    expect(actual.shape).toEqual(c.outputShape);
    expect(maxRelativeError(actual.data, f64(dir + c.output))).toBeLessThan(1e-12);
  });

  it('equals interpolatedShift for an identity matrix and offset -shift', () => {
    const image = { data: f64(`${inputs}camera-20x24.f64`), shape: [20, 24] };
    for (const mode of ['constant', 'nearest', 'reflect', 'grid-wrap'] as const) {
      const shifted = interpolatedShift(image, [2.3, -1.6], { mode });
      const warped = affineTransform(image, [1, 1], { offset: [-2.3, 1.6], mode });
      expect(maxRelativeError(warped.data, shifted.data)).toBeLessThan(1e-12);
    }
  });

  it('reads 8-bit input like its float64 conversion, and writes float32 on request', () => {
    const data = f64(`${inputs}camera-20x24.f64`);
    const m = [
      [0.9, 0.1],
      [-0.1, 0.9],
    ];
    const a = affineTransform({ data: Uint8Array.from(data), shape: [20, 24] }, m, { dtype: 'float32' });
    const b = affineTransform({ data, shape: [20, 24] }, m);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(maxRelativeError(a.data, b.data)).toBeLessThan(1e-6);
  });

  it('rejects bad matrices, shapes and options with one clear error', () => {
    const image = { data: new Float64Array(12), shape: [3, 4] };
    const cases: [unknown, object][] = [
      [[[1, 0, 0]], {}],
      [[1, 2, 3], {}],
      [
        [
          [1, 0],
          [0, Number.NaN],
        ],
        {},
      ],
      [[1, 1], { outputShape: [3] }],
      [[1, 1], { order: 2 }],
      [[1, 1], { offset: [1, 2, 3] }],
      [[1, 1], { mode: 'edge' }],
      [[1, 1], { spline: 3 }],
    ];
    for (const [matrix, options] of cases) {
      let caught: unknown;
      try {
        affineTransform(image, matrix as number[], options);
      } catch (error) {
        caught = error;
      }
      expect(isMetdbError(caught), JSON.stringify([matrix, options])).toBe(true);
    }
  });
});
