import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../../shared/errors/metdb-error.js';
import { clipPercentiles, percentiles } from '../../../shared/registration/preprocess/index.js';

// Reference values printed by /usr/bin/python3 (NumPy 1.24): np.percentile(a, q) with the default method.
const A = [3.5, -1, 7, 7, 2.25, 10, 0, 4, 4, 9, -3, 6.5];
const Q = [0, 0.1, 10, 25, 33.3, 50, 75, 99.9, 100];
const NUMPY_A = [-3.0, -2.978, -0.8999999999999999, 1.6875, 3.0787499999999994, 4.0, 7.0, 9.989, 10.0];
// u8 = (np.arange(37) * 7919 % 251).astype(np.uint8)
const U8 = Uint8Array.from({ length: 37 }, (_, i) => (i * 7919) % 251);
const QU8 = [0, 0.1, 12.5, 50, 87.3, 99.9, 100];
const NUMPY_U8 = [0.0, 0.396, 30.5, 125.0, 212.428, 249.56800000000007, 250.0];

describe('percentiles', () => {
  it('match numpy.percentile on floats (selection) and on uint8 (histogram), bit for bit', () => {
    expect(percentiles(Float64Array.from(A), Q)).toEqual(NUMPY_A);
    expect(percentiles(U8, QU8)).toEqual(NUMPY_U8);
  });

  it('agree with a full sort for any data and percentile (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 3000 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (values, q) => {
          const sorted = Float64Array.from(values).sort();
          const expected = q.map((p) => {
            const v = (values.length - 1) * (p / 100);
            const lo = Math.floor(v);
            const a = sorted[lo] as number;
            const b = sorted[Math.min(lo + 1, values.length - 1)] as number;
            const t = v - lo;
            return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
          });
          expect(percentiles(Uint16Array.from(values), q)).toEqual(expected);
          expect(
            percentiles(
              Float32Array.from(values, (x) => x / 7),
              q.slice(0, 1),
            ),
          ).toEqual(
            percentiles(
              Float64Array.from(values, (x) => Math.fround(x / 7)),
              q.slice(0, 1),
            ),
          );
          expect(percentiles(Float64Array.from(values), q)).toEqual(expected);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('handles many equal values (no quadratic blow-up)', () => {
    const data = new Float64Array(200_000); // all zeros but one
    data[1234] = 5;
    expect(percentiles(data, [50, 100])).toEqual([0, 5]);
  });
});

describe('clipPercentiles', () => {
  it('clips to np.percentile limits', () => {
    const out = clipPercentiles({ data: Float64Array.from(A), shape: [3, 4] }, { low: 10, high: 75 });
    expect(out.shape).toEqual([3, 4]);
    expect(Array.from(out.data)).toEqual(A.map((v) => Math.min(7, Math.max(-0.8999999999999999, v))));
  });
  it('clips 8-bit input with the defaults (0.1, 99.9) into float32', () => {
    const out = clipPercentiles({ data: U8, shape: [37] }, { dtype: 'float32' });
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Math.min(...out.data)).toBe(Math.fround(0.396));
    expect(Math.max(...out.data)).toBe(Math.fround(249.56800000000007));
  });
  it('rejects bad options and inputs', () => {
    const image = { data: Float64Array.from(A), shape: [12] };
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isMetdbError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(codeOf(() => clipPercentiles(image, { low: 60, high: 40 }))).toBe('invalid-argument');
    expect(codeOf(() => clipPercentiles(image, { high: 101 }))).toBe('invalid-argument');
    expect(codeOf(() => clipPercentiles(image, { lo: 1 } as never))).toBe('unknown-option');
    expect(codeOf(() => clipPercentiles({ data: new Float32Array(0), shape: [0] }))).toBe('empty-array');
    expect(codeOf(() => clipPercentiles({ data: Float64Array.of(1, Infinity), shape: [2] }))).toBe(
      'non-finite',
    );
  });
});
