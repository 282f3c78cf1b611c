import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizedCrossCorrelation } from '../../shared/aggregation/ncc.js';
import { simdRows } from '../../shared/aggregation/ncc-kernels.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, sizeOf, stridesOf, type NdArray, type PixelArray } from '../../shared/ndarray/ndarray.js';
import { GENERATED, nccKernelsModule } from '../../scripts/build-ncc-kernels.js';

/**
 * The NCC as its definition reads, position by position (multilinear interpolation of b at
 * p - shift, valid overlap only), in float64 with two passes: the reference the optimised rows,
 * JavaScript and WebAssembly, are checked against.
 */
function naiveNcc(a: NdArray, b: NdArray, shift: readonly number[]): number {
  const { shape } = a;
  const ndim = shape.length;
  const strides = stridesOf(shape);
  const pairs: [number, number][] = [];
  const p = new Array<number>(ndim).fill(0);
  for (let i = 0; i < sizeOf(shape); i++) {
    let rest = i;
    for (let k = 0; k < ndim; k++) {
      p[k] = Math.floor(rest / strides[k]!);
      rest -= p[k]! * strides[k]!;
    }
    // b'(p) = b(p - shift), interpolated from the 2^ndim corners; outside the image: not compared.
    // Corners of zero weight are not read (an integer shift along an axis needs one, not two).
    let value = 0;
    let inside = true;
    for (let c = 0; c < 1 << ndim && inside; c++) {
      let w = 1;
      let index = 0;
      let within = true;
      for (let k = 0; k < ndim; k++) {
        const x = p[k]! - shift[k]!;
        const base = Math.floor(x);
        const up = (c >> (ndim - 1 - k)) & 1;
        const q = base + up;
        w *= up === 1 ? x - base : 1 - (x - base);
        within &&= q >= 0 && q < shape[k]!;
        index += q * strides[k]!;
      }
      if (w === 0) continue;
      if (!within) inside = false;
      else value += w * b.data[index]!;
    }
    if (inside) pairs.push([a.data[i]!, value]);
  }
  if (pairs.length < 2) return Number.NaN;
  const mean = (k: 0 | 1) => pairs.reduce((s, q) => s + q[k], 0) / pairs.length;
  const [ma, mb] = [mean(0), mean(1)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (const [x, y] of pairs) {
    sab += (x - ma) * (y - mb);
    saa += (x - ma) ** 2;
    sbb += (y - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const types = {
  uint8: (v: number) => Uint8Array.of(v),
  uint16: (v: number) => Uint16Array.of(v),
  float32: (v: number) => Float32Array.of(v),
  float64: (v: number) => Float64Array.of(v),
};

/** Real pixels (a crop of the demo's frames, noise and drift included) as each pixel type. */
async function realPair(size: [number, number]): Promise<Record<keyof typeof types, [NdArray, NdArray]>> {
  const read = async (name: string) =>
    (await readImageFile(new URL(`../../samples/series/${name}`, import.meta.url).pathname)).array;
  const [a, b] = [await read('frame_00.tif'), await read('frame_05.tif')];
  const crop = (image: NdArray, convert: (v: number) => number): number[] => {
    const out: number[] = [];
    for (let y = 0; y < size[0]; y++) {
      for (let x = 0; x < size[1]; x++) out.push(convert(image.data[(y + 20) * image.shape[1]! + x + 30]!));
    }
    return out;
  };
  const as = <T extends PixelArray>(
    from: (values: number[]) => T,
    convert: (v: number) => number,
  ): [NdArray, NdArray] => [ndarray(from(crop(a, convert)), size), ndarray(from(crop(b, convert)), size)];
  return {
    uint8: as(
      (v) => Uint8Array.from(v),
      (v) => Math.min(255, v >> 4),
    ),
    uint16: as(
      (v) => Uint16Array.from(v),
      (v) => v,
    ),
    float32: as(
      (v) => Float32Array.from(v),
      (v) => v / 7.5,
    ),
    float64: as(
      (v) => Float64Array.from(v),
      (v) => v / 7.5 - 100,
    ),
  };
}

describe('the NCC row kernels (WebAssembly SIMD)', () => {
  it('serve same-type pairs with 1, 2 or 4 taps, and decline the rest', () => {
    const offsets = (...o: number[]) => Int32Array.from(o);
    const weights = (...w: number[]) => Float64Array.from(w);
    for (const make of Object.values(types)) {
      const d = make(1);
      expect(simdRows(d, make(2), offsets(0), weights(1), 0, 0)).toBeDefined();
      expect(simdRows(d, make(2), offsets(0, 1), weights(0.5, 0.5), 0, 0)).toBeDefined();
      expect(simdRows(d, make(2), offsets(0, 1, 4, 5), weights(0.25, 0.25, 0.25, 0.25), 0, 0)).toBeDefined();
      expect(simdRows(d, make(2), offsets(0, 1, 4), weights(0.3, 0.3, 0.4), 0, 0)).toBeUndefined();
    }
    expect(simdRows(Uint16Array.of(1), Float32Array.of(1), offsets(0), weights(1), 0, 0)).toBeUndefined();
  });

  it('give the NCC of its definition on real pixels of every type, for whole, half and subpixel shifts', async () => {
    const pairs = await realPair([41, 67]); // odd rows: the last pixel of each row is added in JavaScript
    for (const [type, [a, b]] of Object.entries(pairs)) {
      for (const shift of [
        [0, 0],
        [3, -5],
        [0, 2.5],
        [-1.75, 0],
        [1.3, -2.7],
        [-20.2, 31.9],
        [39.5, -65.5], // a single compared pixel along each axis: NaN
      ]) {
        const expected = naiveNcc(a, b, shift);
        const got = normalizedCrossCorrelation(a, b, { shift });
        if (Number.isNaN(expected)) expect(got, `${type} ${shift.join(',')}`).toBeNaN();
        else expect(got, `${type} ${shift.join(',')}`).toBeCloseTo(expected, 10);
      }
    }
  });

  it('span chunks of rows (a 2048-wide image) and the reach of 3-D taps', async () => {
    const { uint16 } = await realPair([60, 600]);
    // 2048-wide rows from the crop, tiled: more than one chunk of 2^17 pixels.
    const wide = (image: NdArray): NdArray =>
      ndarray(
        Uint16Array.from({ length: 80 * 2048 }, (_, i) => {
          const y = Math.floor(i / 2048) % 60;
          const x = (i % 2048) % 600;
          return image.data[y * 600 + x]!;
        }),
        [80, 2048],
      );
    const [a, b] = [wide(uint16[0]), wide(uint16[1])];
    for (const shift of [
      [1.3, -2.7],
      [-7, 0.25],
    ]) {
      expect(normalizedCrossCorrelation(a, b, { shift })).toBeCloseTo(naiveNcc(a, b, shift), 10);
    }
    // 3-D, fractional along z and x (4 taps a plane apart).
    const volume = (image: NdArray): NdArray =>
      ndarray(
        Float32Array.from({ length: 6 * 30 * 40 }, (_, i) => {
          const z = Math.floor(i / 1200);
          const y = Math.floor(i / 40) % 30;
          const x = i % 40;
          return image.data[(y + 3 * z) * 600 + x + 5 * z]! / 3;
        }),
        [6, 30, 40],
      );
    const [va, vb] = [volume(uint16[0]), volume(uint16[1])];
    for (const shift of [
      [0.5, 2, -1.25],
      [1, 0, 0],
      [0.5, 0.5, 0.5], // 8 taps: the JavaScript rows
    ]) {
      expect(normalizedCrossCorrelation(va, vb, { shift })).toBeCloseTo(naiveNcc(va, vb, shift), 10);
    }
  });

  it('decline the rows whose chunk would pass the memory limit, and sum the later ones that fit', () => {
    // 300 rows of 1000 float64: a chunk of 2^17 pixels is 1 MiB, over the limit, until the chunk
    // is cut short by the end of the image.
    const [rows, width] = [300, 1000];
    const a = Float64Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 17));
    const b = Float64Array.from({ length: rows * width }, (_, i) => Math.cos(i * 0.11) * 80 + (i % 13));
    const taps = Int32Array.of(0, 1, width, width + 1);
    const weights = Float64Array.of(0.42, 0.18, 0.28, 0.12);
    const simd = simdRows(a, b, taps, weights, 3, -2, 600 * 1024)!; // pivots 3 and -2
    const expected = new Float64Array(5);
    const javascript = new Float64Array(5);
    let declined = 0;
    let taken = 0;
    const [pivotA, pivotB] = [3, -2];
    const add = (sums: Float64Array, i: number) => {
      const da = a[i]! - pivotA;
      let db = -pivotB;
      for (let t = 0; t < 4; t++) db += weights[t]! * b[i + taps[t]!]!;
      const terms = [da, db, da * da, db * db, da * db];
      for (let k = 0; k < 5; k++) sums[k] = sums[k]! + terms[k]!;
    };
    for (let r = 0; r < rows - 1; r++) {
      const a0 = r * width;
      const run = width - 1;
      const done = simd.add(a0, run);
      if (done === 0) declined++;
      else taken++;
      for (let x = 0; x < run; x++) {
        add(expected, a0 + x);
        if (x >= done) add(javascript, a0 + x);
      }
    }
    expect(declined).toBeGreaterThan(0);
    expect(taken).toBeGreaterThan(0);
    const kernels = simd.sums();
    for (let k = 0; k < 5; k++) {
      const error = Math.abs(kernels[k]! + javascript[k]! - expected[k]!);
      expect(error).toBeLessThan(1e-9 * Math.abs(expected[k]!));
    }
  });

  it('are the committed build of scripts/build-ncc-kernels.ts', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await nccKernelsModule());
  });
});
