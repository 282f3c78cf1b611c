import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { interpolatedShift, type ShiftMode } from '../../shared/registration/interpolated-shift.js';
import { maxRelativeError, readFloat64 } from '../support/float64-files.js';

// Golden outputs of scipy.ndimage.shift (SciPy 1.10), made by test/registration/make-shift-fixtures.py.
const dir = fileURLToPath(new URL('../fixtures/shift/', import.meta.url));
interface Case {
  input: string;
  shape: number[];
  shift: number[];
  order: 0 | 1 | 3;
  mode: ShiftMode;
  cval: number;
  prefilter: boolean;
  output: string;
}
const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { cases: Case[] };
const f64 = (name: string): Float64Array => readFloat64(dir + name);

describe('interpolatedShift against scipy.ndimage.shift', () => {
  it.each(manifest.cases.map((c) => [c.output, c] as const))('%s', (_name, c) => {
    const image = { data: f64(c.input), shape: c.shape };
    const expected = f64(c.output);
    const actual = interpolatedShift(image, c.shift, {
      order: c.order,
      mode: c.mode,
      cval: c.cval,
      prefilter: c.prefilter,
    });
    expect(actual.shape).toEqual(c.shape);
    // Every order and mode, edges included: equal up to rounding (measured below 1e-14 relative).
    expect(maxRelativeError(actual.data, expected)).toBeLessThan(1e-12);
  });

  it('reads 8-bit input like its float64 conversion', () => {
    const c = manifest.cases.find(
      (k) => k.input === 'camera-20x24.f64' && k.order === 3 && k.mode === 'reflect',
    );
    if (c === undefined) throw new Error('fixture missing');
    const u8 = Uint8Array.from(f64(c.input));
    const actual = interpolatedShift({ data: u8, shape: c.shape }, c.shift, {
      mode: 'reflect',
      dtype: 'float32',
    });
    expect(actual.data).toBeInstanceOf(Float32Array);
    expect(maxRelativeError(actual.data, f64(c.output))).toBeLessThan(1e-6);
  });
});

/** A smooth random image: a few low-frequency cosines, so that cubic interpolation is nearly exact. */
function smoothImage(shape: number[], seed: number): NdArray<Float64Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < size; i++) {
    let v = 100;
    for (let k = 0; k < shape.length; k++) {
      const x = Math.floor(i / (strides[k] as number)) % (shape[k] as number);
      v += 10 * Math.cos((2 * Math.PI * x * (1 + ((seed + k) % 3))) / (shape[k] as number) + seed + k);
    }
    data[i] = v;
  }
  return { data, shape };
}

describe('interpolatedShift properties', () => {
  it('shifting by s then -s (order 3, wrap) returns the image in the interior', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([24, 32], [6, 20, 18]),
        fc.array(fc.double({ min: -2.5, max: 2.5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom<ShiftMode>('wrap', 'grid-wrap'),
        (shape, s, seed, mode) => {
          const shift = s.slice(0, shape.length);
          const image = smoothImage(shape, seed);
          const there = interpolatedShift(image, shift, { mode });
          const back = interpolatedShift(
            there,
            shift.map((v) => -v),
            { mode },
          );
          // interior: at least 4 px from each edge
          const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
          for (let i = 0; i < image.data.length; i++) {
            const interior = shape.every((n, k) => {
              const x = Math.floor(i / (strides[k] as number)) % n;
              return x >= 4 && x < n - 4;
            });
            if (interior)
              expect(Math.abs((back.data[i] as number) - (image.data[i] as number))).toBeLessThan(0.5);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('integer shifts with order 0, 1 and 3 are exact index moves', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -6, max: 6 }),
        fc.integer({ min: -6, max: 6 }),
        fc.constantFrom<0 | 1 | 3>(0, 1, 3),
        (dy, dx, order) => {
          const image = smoothImage([13, 17], 1);
          const out = interpolatedShift(image, [dy, dx], { order, mode: 'constant', cval: -1 });
          for (let y = 0; y < 13; y++) {
            for (let x = 0; x < 17; x++) {
              const sy = y - dy;
              const sx = x - dx;
              const inside = sy >= 0 && sy < 13 && sx >= 0 && sx < 17;
              expect(out.data[y * 17 + x]).toBe(inside ? image.data[sy * 17 + sx] : -1);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a grid-wrap shift by the full length is the identity', () => {
    const image = smoothImage([9, 11], 2);
    const out = interpolatedShift(image, [9, -22], { mode: 'grid-wrap' });
    expect(Array.from(out.data)).toEqual(Array.from(image.data));
  });
});

describe('interpolatedShift input checks', () => {
  const image = smoothImage([4, 5], 0);
  it.each([
    ['wrong shift length', () => interpolatedShift(image, [1]), 'invalid-argument'],
    ['NaN shift', () => interpolatedShift(image, [Number.NaN, 0]), 'invalid-argument'],
    ['order 2', () => interpolatedShift(image, [1, 0], { order: 2 as 3 }), 'invalid-argument'],
    [
      'unknown mode',
      () => interpolatedShift(image, [1, 0], { mode: 'edge' as ShiftMode }),
      'invalid-argument',
    ],
    ['unknown option', () => interpolatedShift(image, [1, 0], { oder: 1 } as never), 'unknown-option'],
    [
      'empty image',
      () => interpolatedShift({ data: new Float64Array(0), shape: [0, 3] }, [1, 0]),
      'empty-array',
    ],
    [
      'NaN pixel',
      () => interpolatedShift({ data: Float64Array.of(1, Number.NaN), shape: [2] }, [0.5]),
      'non-finite',
    ],
  ])('%s', (_name, call, code) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(isMetdbError(caught, code as 'invalid-argument')).toBe(true);
  });
});
