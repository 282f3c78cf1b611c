import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { phaseCrossCorrelation } from '../../shared/registration/phase-cross-correlation.js';
import { prepareReference } from '../../shared/registration/prepared-reference.js';
import { loadGoldenCases } from '../golden/load-golden.js';

/** Circular roll of a 2D image by integer (dy, dx): out[y][x] = in[y - dy][x - dx]. */
function roll(image: NdArray, dy: number, dx: number): NdArray<Float64Array> {
  const [h, w] = image.shape as [number, number];
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[y * w + x] = image.data[((((y - dy) % h) + h) % h) * w + ((((x - dx) % w) + w) % w)]!;
    }
  }
  return ndarray(out, [h, w]);
}

/** Signed wrap of a shift into scikit-image's range (-n/2, n/2]. */
const wrap = (s: number, n: number): number => {
  const m = ((s % n) + n) % n;
  return m > Math.trunc(n / 2) ? m - n : m;
};

// A real image at a size PFFFT cannot take directly (97 x 131: Bluestein on both axes).
const source = loadGoldenCases().find((c) => c.id.startsWith('bbbc022-97x131'))!.reference;

describe('phaseCrossCorrelation properties', () => {
  it('recovers any integer circular shift exactly, at any upsampling, with a prepared reference too', () => {
    const prepared = prepareReference(source);
    fc.assert(
      fc.property(
        fc.integer({ min: -48, max: 48 }),
        fc.integer({ min: -65, max: 65 }),
        fc.constantFrom(1, 10, 100),
        (dy, dx, upsampleFactor) => {
          const moving = roll(source, dy, dx);
          const expected = [wrap(-dy, 97), wrap(-dx, 131)];
          for (const reference of [source, prepared]) {
            const { shift } = phaseCrossCorrelation(reference, moving, { upsampleFactor });
            expect(shift[0]).toBeCloseTo(expected[0]!, 9);
            expect(shift[1]).toBeCloseTo(expected[1]!, 9);
          }
        },
      ),
      { numRuns: 25, seed: 20261122 },
    );
  });

  it('is antisymmetric: swapping reference and moving negates the shift', () => {
    const moving = roll(source, 7, -12);
    fc.assert(
      fc.property(fc.constantFrom(1, 20), (upsampleFactor) => {
        const forward = phaseCrossCorrelation(source, moving, { upsampleFactor }).shift;
        const backward = phaseCrossCorrelation(moving, source, { upsampleFactor }).shift;
        forward.forEach((s, a) => expect(s + backward[a]!).toBeCloseTo(0, 9));
      }),
      { numRuns: 2 },
    );
  });
});
