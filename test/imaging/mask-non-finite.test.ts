import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { maskNonFinite } from '../../shared/imaging/mask-non-finite.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';

/** A smooth ramp with a little structure, so a neighbours' mean is a good estimate of a pixel. */
function ramp(height: number, width: number, depth = 1): Float32Array {
  const data = new Float32Array(depth * height * width);
  for (let z = 0; z < depth; z++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data[(z * height + y) * width + x] = 100 * z + 2 * y + x;
  return data;
}

describe('maskNonFinite', () => {
  it('replaces NaN and infinite pixels by the mean of their finite neighbours', () => {
    const data = ramp(5, 6);
    data[2 * 6 + 3] = Number.NaN; // interior: 8 neighbours of a linear ramp average to the pixel itself
    data[0] = Number.POSITIVE_INFINITY; // corner: 3 neighbours (1, 6, 7) -> mean 14 / 3
    data[4 * 6 + 5] = Number.NEGATIVE_INFINITY;
    expect(maskNonFinite(ndarray(data, [5, 6]))).toBe(3);
    expect(data[2 * 6 + 3]).toBeCloseTo(2 * 2 + 3, 5);
    expect(data[0]).toBeCloseTo((1 + 2 + 3) / 3, 5);
    expect(data.every(Number.isFinite)).toBe(true);
  });

  it('never feeds a masked pixel into its neighbour, and fills a large hole with the plane mean', () => {
    const data = new Float32Array(7 * 7).fill(10);
    for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) data[y * 7 + x] = Number.NaN;
    data[0] = 40; // the plane's finite mean is (23 * 10 + 40) / 24
    expect(maskNonFinite(ndarray(data, [7, 7]))).toBe(25);
    expect(data[3 * 7 + 3]).toBeCloseTo((23 * 10 + 40) / 24, 5); // centre: no finite neighbour
    expect(data[1 * 7 + 1]).toBeCloseTo((40 + 10 * 4) / 5, 5); // corner of the hole: 5 finite neighbours
  });

  it('masks each plane of a stack on its own; a plane with no finite pixel becomes 0', () => {
    const data = ramp(4, 4, 3);
    data.fill(Number.NaN, 16, 32);
    data[2 * 16 + 5] = Number.NaN;
    expect(maskNonFinite(ndarray(data, [3, 4, 4]))).toBe(17);
    expect(Array.from(data.subarray(0, 16))).toEqual(Array.from(ramp(4, 4)));
    expect(data.subarray(16, 32).every((v) => v === 0)).toBe(true);
    expect(data[2 * 16 + 5]).toBeCloseTo(200 + 2 + 1, 5);
  });

  it('leaves finite and integer images untouched', () => {
    const data = ramp(3, 3);
    expect(maskNonFinite(ndarray(data, [3, 3]))).toBe(0);
    expect(Array.from(data)).toEqual(Array.from(ramp(3, 3)));
    const ints = Uint16Array.from([1, 2, 3, 4]);
    expect(maskNonFinite(ndarray(ints, [2, 2]))).toBe(0);
  });
});

describe('decodeImage with NaN and infinite pixels (a float32 TIFF after a flat-field division)', () => {
  const data = ramp(16, 20);
  data[5] = Number.NaN;
  data[100] = Number.POSITIVE_INFINITY;
  const tiff = encodeTiff(ndarray(data, [16, 20]));

  it('masks them by default and counts them', async () => {
    const decoded = await decodeImage(tiff);
    expect(decoded.maskedPixels).toBe(2);
    expect(decoded.array.data.every(Number.isFinite)).toBe(true);
    expect(decoded.array.data[100]).toBeCloseTo((8 + 9 + 11 + 12 + 13) / 5, 4); // (y 5, x 0): its 5 neighbours
  });

  it("keeps them with nonFinite: 'keep', and refuses another value", async () => {
    const decoded = await decodeImage(tiff, { nonFinite: 'keep' });
    expect(decoded.maskedPixels).toBeUndefined();
    expect(Number.isNaN(decoded.array.data[5])).toBe(true);
    expect(decoded.array.data[100]).toBe(Number.POSITIVE_INFINITY);
    await expect(decodeImage(tiff, { nonFinite: 'zero' as 'keep' })).rejects.toThrow(/nonFinite must be/);
  });
});
