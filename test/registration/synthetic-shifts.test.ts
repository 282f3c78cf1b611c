import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { phaseCrossCorrelation } from '../../shared/registration/phase-cross-correlation.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { crop, withNoise } from '../tiling/pixels.js';

/** A real-pixel pair: moving = reference content shifted by `applied`, both cropped, noisy. */
function shiftedPair(canvas: NdArray, applied: number[], window: number[], sigma: number, seed: number) {
  const reference = withNoise(crop(canvas, window), sigma, seed);
  const moving = withNoise(crop(fourierShift(canvas, applied), window), sigma, seed + 1);
  return { reference, moving };
}

const cases = loadGoldenCases();
const camera = cases.find((c) => c.id.startsWith('camera-256'))!.reference;
const em3d = cases.find((c) => c.id.startsWith('em13pf'))!.reference;

describe('known subpixel shifts on real pixels are recovered within 0.05 px at upsample 20', () => {
  const shifts2d = [
    [3.37, -5.81],
    [-7.25, 2.6],
    [0.5, -0.5],
    [12.81, 9.14],
    [-0.13, 0.07],
  ];
  for (const [i, applied] of shifts2d.entries()) {
    it(`2D camera, shift [${applied.join(', ')}]`, () => {
      const { reference, moving } = shiftedPair(camera, applied, [200, 180], 4, 100 + i);
      const { shift } = phaseCrossCorrelation(reference, moving, { upsampleFactor: 20 });
      shift.forEach((s, a) => expect(Math.abs(s + applied[a]!)).toBeLessThanOrEqual(0.05 + 1e-9));
    });
  }
  const shifts3d = [
    [1.3, -2.7, 3.45],
    [-2.2, 0.6, -4.15],
  ];
  for (const [i, applied] of shifts3d.entries()) {
    it(`3D cryo-ET, shift [${applied.join(', ')}]`, () => {
      const { reference, moving } = shiftedPair(em3d, applied, [24, 50, 48], 3, 200 + i);
      const { shift } = phaseCrossCorrelation(reference, moving, { upsampleFactor: 20 });
      shift.forEach((s, a) => expect(Math.abs(s + applied[a]!)).toBeLessThanOrEqual(0.05 + 1e-9));
    });
  }
});

describe('degenerate cases behave like scikit-image', () => {
  it('zero shift gives exactly zero', () => {
    const { reference } = shiftedPair(camera, [0, 0], [128, 96], 2, 1);
    for (const upsampleFactor of [1, 10, 100]) {
      const r = phaseCrossCorrelation(reference, reference, { upsampleFactor });
      expect(r.shift.map(Math.abs)).toEqual([0, 0]);
      expect(r.phasediff).toBeCloseTo(0, 6);
    }
  });

  it('axes of length 1 get shift 0', () => {
    const row = crop(camera, [1, 200]);
    const moved = crop(fourierShift(camera, [0, 4]), [1, 200]);
    const r = phaseCrossCorrelation(row, moved, { upsampleFactor: 10 });
    expect(r.shift[0]).toBe(0);
    expect(Math.abs(r.shift[1]! + 4)).toBeLessThanOrEqual(0.1 + 1e-9);
    const slab = crop(em3d, [1, 40, 40]);
    const r3 = phaseCrossCorrelation(slab, slab, { upsampleFactor: 10 });
    expect(r3.shift.map(Math.abs)).toEqual([0, 0, 0]);
  });

  it('an all-zero image gives shift 0 at upsample 1, the region corner above, and error NaN', () => {
    const zero = ndarray(new Float64Array(32 * 48), [32, 48]);
    const r1 = phaseCrossCorrelation(zero, zero);
    expect(r1.shift.map(Math.abs)).toEqual([0, 0]);
    expect(r1.error).toBeNaN();
    expect(phaseCrossCorrelation(zero, zero, { upsampleFactor: 100 }).shift).toEqual([-0.75, -0.75]);
    expect(phaseCrossCorrelation(zero, zero, { upsampleFactor: 10 }).shift).toEqual([-0.7, -0.7]);
  });
});

describe('bad input gives a clear typed error', () => {
  const a = ndarray(new Float32Array(64), [8, 8]);
  const expectCode = (f: () => unknown, code: string, pattern: RegExp): void => {
    try {
      f();
    } catch (error) {
      expect(isMetdbError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected an error');
  };
  it('mismatched shapes', () =>
    expectCode(
      () => phaseCrossCorrelation(a, ndarray(new Float32Array(63), [7, 9])),
      'shape-mismatch',
      /same shape.*\[8, 8\].*\[7, 9\]/,
    ));
  it('empty arrays', () =>
    expectCode(() => phaseCrossCorrelation(ndarray(new Float32Array(0), [0, 4]), a), 'empty-array', /empty/));
  it('NaN', () => {
    const b = ndarray(new Float32Array(64), [8, 8]);
    b.data[10] = Number.NaN;
    expectCode(() => phaseCrossCorrelation(a, b), 'non-finite', /moving.*non-finite.*index 10/);
  });
  it('unknown option', () =>
    expectCode(
      () => phaseCrossCorrelation(a, a, { upsample: 10 } as unknown as { upsampleFactor: number }),
      'unknown-option',
      /unknown option "upsample"/,
    ));
  it('upsampleFactor < 1', () =>
    expectCode(
      () => phaseCrossCorrelation(a, a, { upsampleFactor: 0.5 }),
      'invalid-argument',
      /upsampleFactor/,
    ));
  it('wrong pixel type', () =>
    expectCode(
      () => phaseCrossCorrelation({ data: [1, 2, 3, 4] as unknown as Float32Array, shape: [2, 2] }, a),
      'invalid-argument',
      /reference.data must be one of/,
    ));
});

describe('fourierShift', () => {
  it('an integer shift is a circular roll', () => {
    const img = crop(camera, [40, 50]);
    const out = fourierShift(img, [3, -7]);
    for (const [y, x] of [
      [0, 0],
      [10, 20],
      [39, 49],
    ] as const) {
      const src = img.data[((y - 3 + 40) % 40) * 50 + ((x + 7) % 50)]!;
      expect(out.data[y * 50 + x]).toBeCloseTo(src, 2);
    }
  });
  it('registering with the measured shift undoes the shift', () => {
    const img = crop(camera, [64, 64]);
    const moved = fourierShift(img, [2.5, -1.25]);
    const { shift } = phaseCrossCorrelation(img, moved, { upsampleFactor: 100 });
    expect(Math.abs(shift[0]! + 2.5)).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(Math.abs(shift[1]! - 1.25)).toBeLessThanOrEqual(0.01 + 1e-9);
    const back = fourierShift(moved, shift);
    // Subpixel Fourier shifts ring a little (Gibbs); the round trip is close in RMS.
    let sq = 0;
    for (let i = 0; i < back.data.length; i++) sq += (back.data[i]! - img.data[i]!) ** 2;
    expect(Math.sqrt(sq / back.data.length)).toBeLessThan(1);
  });
});

describe('returnPeakRatio', () => {
  it('is high for a real match and near sqrt(2 ln N) for unrelated noise, with either normalization', () => {
    const { reference, moving } = shiftedPair(camera, [3.37, -5.81], [128, 128], 4, 7);
    const noise = withNoise(ndarray(new Float64Array(128 * 128), [128, 128]), 10, 8);
    const other = withNoise(ndarray(new Float64Array(128 * 128), [128, 128]), 10, 9);
    for (const normalization of ['phase', 'none'] as const) {
      const match = phaseCrossCorrelation(reference, moving, { normalization, returnPeakRatio: true });
      const unrelated = phaseCrossCorrelation(noise, other, { normalization, returnPeakRatio: true });
      expect(match.peakRatio).toBeGreaterThan(15);
      expect(unrelated.peakRatio).toBeLessThan(6);
      expect(unrelated.peakRatio).toBeGreaterThan(2);
    }
    expect(phaseCrossCorrelation(reference, moving)).not.toHaveProperty('peakRatio');
  });
});

describe('prepareReference', () => {
  it('gives exactly the results of the plain call, for several moving images', async () => {
    const { prepareReference } = await import('../../shared/registration/prepared-reference.js');
    const { reference } = shiftedPair(camera, [0, 0], [120, 150], 3, 11);
    const prepared = prepareReference(reference);
    for (const [i, applied] of [
      [2.3, -1.7],
      [-5.5, 4.25],
    ].entries()) {
      const moving = withNoise(crop(fourierShift(camera, applied), [120, 150]), 3, 20 + i);
      for (const options of [{ upsampleFactor: 20 }, { upsampleFactor: 1, normalization: 'none' as const }]) {
        expect(phaseCrossCorrelation(prepared, moving, options)).toEqual(
          phaseCrossCorrelation(reference, moving, options),
        );
      }
    }
    expect(() => phaseCrossCorrelation(prepared, crop(camera, [120, 151]))).toThrow(/same shape/);
  });

  it('prepares either side or both (a series pair by pair) with the same results', async () => {
    const { prepareReference } = await import('../../shared/registration/prepared-reference.js');
    const { reference } = shiftedPair(camera, [0, 0], [120, 150], 3, 11);
    const moving = withNoise(crop(fourierShift(camera, [1.6, -3.2]), [120, 150]), 3, 30);
    const [a, b] = [prepareReference(reference), prepareReference(moving)];
    for (const options of [
      { upsampleFactor: 20 },
      { normalization: 'none' as const, returnPeakRatio: true },
    ]) {
      const plain = phaseCrossCorrelation(reference, moving, options);
      expect(phaseCrossCorrelation(reference, b, options)).toEqual(plain);
      expect(phaseCrossCorrelation(a, b, options)).toEqual(plain);
    }
    const { shift } = phaseCrossCorrelation(a, b, { upsampleFactor: 20 });
    [-1.6, 3.2].forEach((v, axis) => expect(shift[axis]).toBeCloseTo(v, 1));
    expect(() => phaseCrossCorrelation(a, prepareReference(crop(camera, [120, 151])))).toThrow(/same shape/);
  });
});
