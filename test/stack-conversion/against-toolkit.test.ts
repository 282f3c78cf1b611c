import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { savitzkyGolay } from '../../shared/aggregation/savitzky-golay.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { binSections, convertToUint8, intensityRange } from '../../shared/stack-conversion/index.js';

/** Fixtures of scripts/make-conversion-fixtures.py: the toolkit's computations in numpy and scipy. */
const dir = new URL('../fixtures/conversion/', import.meta.url);
const manifest = z
  .object({
    stack: z.object({ file: z.string(), shape: z.tuple([z.number(), z.number(), z.number()]) }),
    sectionMin: z.array(z.number()),
    sectionMax: z.array(z.number()),
    globalMin: z.number(),
    globalMax: z.number(),
    slidingMin: z.array(z.number()),
    slidingMax: z.array(z.number()),
    window: z.number(),
    series: z.array(z.number()),
    savgol: z.array(z.object({ window: z.number(), order: z.number(), smoothed: z.array(z.number()) })),
  })
  .parse(JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')));
const raw = (file: string) => {
  const b = readFileSync(new URL(file, dir));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const stack = ndarray(new Uint16Array(raw(manifest.stack.file)), manifest.stack.shape);

describe('8-bit conversion and z binning, against the FIB-SEM toolkit computed in numpy', () => {
  it('finds each section range on the cumulative histogram (thrMin, thrMax 1e-3)', () => {
    const plane = 40 * 48;
    manifest.sectionMin.forEach((lo, z) => {
      const got = intensityRange(stack.data.subarray(z * plane, (z + 1) * plane), {
        thrMin: 1e-3,
        thrMax: 1e-3,
      });
      expect(got).toEqual([lo, manifest.sectionMax[z]]);
    });
  });

  it('converts with one global range, pixel for pixel', () => {
    const got = convertToUint8(stack, { range: 'global' });
    expect(got.min[0]).toBe(manifest.globalMin);
    expect(got.max[0]).toBe(manifest.globalMax);
    expect(Buffer.from(got.image.data).equals(Buffer.from(raw('global.u8')))).toBe(true);
    expect(got.image.shape).toEqual(stack.shape);
  });

  it('converts with sliding ranges smoothed by Savitzky-Golay, pixel for pixel', () => {
    const got = convertToUint8(stack, { range: 'sliding', window: 101, order: 3 });
    got.min.forEach((v, k) => expect(v).toBeCloseTo(manifest.slidingMin[k]!, 8));
    got.max.forEach((v, k) => expect(v).toBeCloseTo(manifest.slidingMax[k]!, 8));
    const want = new Uint8Array(raw('sliding.u8'));
    const differing = got.image.data.filter((v, i) => v !== want[i]).length;
    expect(differing).toBe(0);
  });

  it('bins sections by 2 (means, rounded, trailing section dropped)', () => {
    const got = binSections(stack);
    expect(got.shape).toEqual([12, 40, 48]);
    expect(got.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(got.data)).toEqual(Array.from(new Uint16Array(raw('binned.u16'))));
    const odd = binSections(ndarray(stack.data.subarray(0, 3 * 40 * 48), [3, 40, 48]));
    expect(odd.shape).toEqual([1, 40, 48]);
  });

  it('smooths like scipy.signal.savgol_filter (mode interp), edges included', () => {
    for (const { window, order, smoothed } of manifest.savgol) {
      const got = savitzkyGolay(manifest.series, { window, order });
      const worst = Math.max(...Array.from(got, (v, k) => Math.abs(v - smoothed[k]!)));
      expect(worst, `window ${window} order ${order}`).toBeLessThan(1e-7); // values about 100
    }
  });
});

describe('bad input', () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      return isMetdbError(error) ? error.code : 'other';
    }
    return 'none';
  };
  it('is refused with a reason', () => {
    expect(codeOf(() => savitzkyGolay([1, 2, 3], { window: 4, order: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => savitzkyGolay([1, 2, 3], { window: 5, order: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => savitzkyGolay([1, 2, 3], { window: 3, order: 3 }))).toBe('invalid-argument');
    expect(codeOf(() => intensityRange(Float64Array.of(1, 2), { thrMin: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => intensityRange(Float64Array.of(1, Number.NaN)))).toBe('non-finite');
    expect(codeOf(() => binSections(ndarray(new Uint8Array(4), [2, 2])))).toBe('invalid-argument');
    expect(codeOf(() => convertToUint8(ndarray(new Uint8Array(4), [4])))).toBe('invalid-argument');
  });

  it('leaves a polynomial of degree <= order unchanged (Savitzky-Golay)', () => {
    const cubic = Array.from({ length: 15 }, (_, t) => 0.5 * t ** 3 - 2 * t + 1);
    savitzkyGolay(cubic, { window: 7, order: 3 }).forEach((v, t) => expect(v).toBeCloseTo(cubic[t]!, 8));
  });
});
