import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../../shared/errors/metdb-error.js';
import {
  applyWindow,
  binImage,
  clipPercentiles,
  preprocess,
  removeBackground,
  suppressHotPixels,
  tukeyWindow,
  validatePreprocessOptions,
} from '../../../shared/registration/preprocess/index.js';

const image = {
  data: Uint16Array.from({ length: 24 * 30 }, (_, i) => 1000 + ((i * 7919) % 613) + (i % 30) * 20),
  shape: [24, 30],
};
image.data[100] = 60000; // a hot pixel

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isMetdbError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('preprocess', () => {
  it('runs hot pixels -> clip -> background -> bin -> window, in that order', () => {
    const options = {
      hotPixels: { threshold: 4 },
      clip: { low: 1, high: 99 },
      background: { sigma: 5 },
      bin: { factor: 2 },
      window: { type: 'tukey', alpha: 0.3 },
      dtype: 'float32',
    } as const;
    const out = preprocess(image, options);
    let expected = suppressHotPixels(image, { threshold: 4 });
    expected = clipPercentiles(expected, { low: 1, high: 99 });
    expected = removeBackground(expected, { sigma: 5 });
    expected = binImage(expected, { factor: 2 });
    expected = applyWindow(expected, tukeyWindow([12, 15], { alpha: 0.3 }), { dtype: 'float32' });
    expect(out.shape).toEqual([12, 15]);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual(Array.from(expected.data));
  });

  it('with no step only converts to floating point', () => {
    const out = preprocess(image);
    expect(out.data).toBeInstanceOf(Float64Array);
    expect(Array.from(out.data)).toEqual(Array.from(image.data));
  });

  it('true runs a step with its defaults; string windows are accepted', () => {
    expect(validatePreprocessOptions({ clip: true, bin: true, window: 'hann' })).toEqual({
      dtype: 'float64',
      clip: { low: 0.1, high: 99.9 },
      bin: { factor: 2 },
      window: { type: 'hann' },
    });
    expect(preprocess(image, { bin: true, window: 'tukey' }).shape).toEqual([12, 15]);
  });

  it('rejects unknown options at any level, and bad values', () => {
    expect(codeOf(() => validatePreprocessOptions({ clipping: true }))).toBe('unknown-option');
    expect(codeOf(() => validatePreprocessOptions({ clip: { low: 1, hihg: 2 } }))).toBe('unknown-option');
    expect(codeOf(() => validatePreprocessOptions({ clip: { dtype: 'float32' } }))).toBe('unknown-option');
    expect(codeOf(() => validatePreprocessOptions({ window: { type: 'tukey', beta: 1 } }))).toBe(
      'unknown-option',
    );
    expect(codeOf(() => validatePreprocessOptions({ window: 'blackman' }))).toBe('invalid-argument');
    expect(codeOf(() => validatePreprocessOptions({ background: { sigma: -1 } }))).toBe('invalid-argument');
    expect(codeOf(() => validatePreprocessOptions({ bin: { factor: 0 } }))).toBe('invalid-argument');
    expect(codeOf(() => validatePreprocessOptions({ dtype: 'uint8' }))).toBe('invalid-argument');
    expect(codeOf(() => validatePreprocessOptions(null))).toBe('invalid-argument');
    expect(codeOf(() => validatePreprocessOptions(undefined))).toBeUndefined();
    expect(codeOf(() => preprocess({ data: Float64Array.of(Number.NaN), shape: [1] }))).toBe('non-finite');
  });
});
