import type { NdArray } from '../ndarray/ndarray.js';

/**
 * Halves y and x (the last two axes) by the mean of each 2 x 2 block, z kept; an odd last row or
 * column is dropped. Integer types are rounded, as a pyramid level of the same pixel type.
 */
export function downsampleYx<T extends Uint8Array | Uint16Array | Float32Array>(
  image: NdArray<T>,
): NdArray<T> {
  const shape = image.shape;
  const [h, w] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
  const planes = shape.length === 3 ? shape[0]! : 1;
  const [h2, w2] = [Math.floor(h / 2), Math.floor(w / 2)];
  const out = new (image.data.constructor as new (n: number) => T)(planes * h2 * w2);
  const round = !(image.data instanceof Float32Array);
  const src = image.data;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h2; y++) {
      const r0 = p * h * w + 2 * y * w;
      const r1 = r0 + w;
      for (let x = 0; x < w2; x++) {
        const m = (src[r0 + 2 * x]! + src[r0 + 2 * x + 1]! + src[r1 + 2 * x]! + src[r1 + 2 * x + 1]!) / 4;
        out[p * h2 * w2 + y * w2 + x] = round ? Math.round(m) : m;
      }
    }
  }
  return { data: out, shape: [...shape.slice(0, -2), h2, w2] };
}
