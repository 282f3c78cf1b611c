import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../../shared/errors/metdb-error.js';
import {
  applyWindow,
  hann1d,
  hannWindow,
  tukey1d,
  tukeyWindow,
} from '../../../shared/registration/preprocess/index.js';

// Reference values printed by /usr/bin/python3 (SciPy 1.10.1):
//   from scipy.signal import windows; [float(v) for v in windows.hann(7)], windows.tukey(10, 0.5), ...
const SCIPY = {
  hann1: [1.0],
  hann2: [0.0, 0.0],
  hann7: [0.0, 0.24999999999999994, 0.75, 1.0, 0.7500000000000002, 0.25000000000000033, 0.0],
  hann10: [
    0.0, 0.116977778440511, 0.41317591116653485, 0.75, 0.9698463103929542, 0.9698463103929542,
    0.7500000000000002, 0.41317591116653496, 0.116977778440511, 0.0,
  ],
  tukey10_05: [
    0.0, 0.41317591116653485, 0.9698463103929542, 1.0, 1.0, 1.0, 1.0, 0.9698463103929542, 0.4131759111665352,
    0.0,
  ],
  tukey7_03: [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0],
  tukey16_025: [
    0.0, 0.5522642316338268, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5522642316338267,
    0.0,
  ],
  tukey9_1: [
    0.0, 0.14644660940672627, 0.5, 0.8535533905932738, 1.0, 0.8535533905932738, 0.5, 0.14644660940672627, 0.0,
  ],
};

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-15): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(Math.abs((actual[i] as number) - v)).toBeLessThanOrEqual(tol));
}

describe('1-D windows match scipy.signal.windows', () => {
  it('hann(n, sym=True)', () => {
    expectClose(hann1d(1), SCIPY.hann1);
    expectClose(hann1d(2), SCIPY.hann2);
    expectClose(hann1d(7), SCIPY.hann7);
    expectClose(hann1d(10), SCIPY.hann10);
  });
  it('tukey(n, alpha)', () => {
    expectClose(tukey1d(10, 0.5), SCIPY.tukey10_05);
    expectClose(tukey1d(7, 0.3), SCIPY.tukey7_03);
    expectClose(tukey1d(16, 0.25), SCIPY.tukey16_025);
    expectClose(tukey1d(9, 1), SCIPY.tukey9_1);
    expectClose(tukey1d(5, 0), [1, 1, 1, 1, 1]);
  });
});

describe('separable N-D windows', () => {
  it('hannWindow is the outer product of 1-D windows, axis order (z,) y, x', () => {
    const w = hannWindow([7, 10]);
    expect(w.shape).toEqual([7, 10]);
    expect(w.data).toBeInstanceOf(Float64Array);
    const [wy, wx] = [hann1d(7), hann1d(10)];
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 10; x++) {
        expect(w.data[y * 10 + x]).toBe((wy[y] as number) * (wx[x] as number));
      }
    }
  });
  it('tukeyWindow in 3D, float32', () => {
    const w = tukeyWindow([9, 10, 16], { alpha: 0.25, dtype: 'float32' });
    expect(w.data).toBeInstanceOf(Float32Array);
    const t9 = tukey1d(9, 0.25);
    const t10 = tukey1d(10, 0.25);
    const t16 = SCIPY.tukey16_025;
    expect(w.data[(4 * 10 + 5) * 16 + 1]).toBe(
      Math.fround((t9[4] as number) * (t10[5] as number) * (t16[1] as number)),
    );
    expect(w.data[0]).toBe(0);
  });
  it('applyWindow multiplies pixel by pixel and checks shapes', () => {
    const image = { data: Uint16Array.from({ length: 70 }, (_, i) => i * 100), shape: [7, 10] };
    const w = hannWindow([7, 10]);
    const out = applyWindow(image, w);
    expect(out.data[35]).toBe(3500 * (w.data[35] as number));
    let caught: unknown;
    try {
      applyWindow(image, hannWindow([10, 7]));
    } catch (e) {
      caught = e;
    }
    expect(isMetdbError(caught, 'shape-mismatch')).toBe(true);
  });
  it('rejects bad shapes and options', () => {
    expect(() => hannWindow([0, 4])).toThrow(/positive/);
    expect(() => tukeyWindow([4], { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => tukeyWindow([4], { beta: 1 } as never)).toThrow(/unknown option/);
  });
});
