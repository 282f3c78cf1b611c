import { sizeOf, stridesOf, type NdArray } from '../shared/ndarray/ndarray.js';

/**
 * Resamples `source` to `shape` by multilinear interpolation, corner to corner (real, non-repeating
 * content at any size; tiling would make the correlation periodic and the peak ambiguous).
 */
export function resample(source: NdArray, shape: readonly number[]): NdArray<Float32Array> {
  const out = new Float32Array(sizeOf(shape));
  const inStrides = stridesOf(source.shape);
  const outStrides = stridesOf(shape);
  const d = shape.length;
  const lo = new Array<number>(d).fill(0);
  const frac = new Array<number>(d).fill(0);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    for (let a = 0; a < d; a++) {
      const k = Math.floor(rest / outStrides[a]!);
      rest -= k * outStrides[a]!;
      const pos = (k * (source.shape[a]! - 1)) / Math.max(1, shape[a]! - 1);
      lo[a] = Math.max(0, Math.min(Math.floor(pos), source.shape[a]! - 2));
      frac[a] = pos - lo[a]!;
    }
    let v = 0;
    for (let corner = 0; corner < 1 << d; corner++) {
      let w = 1;
      let src = 0;
      for (let a = 0; a < d; a++) {
        const up = (corner >> a) & 1;
        w *= up ? frac[a]! : 1 - frac[a]!;
        src += (lo[a]! + up) * inStrides[a]!;
      }
      if (w !== 0) v += w * source.data[src]!;
    }
    out[i] = v;
  }
  return { data: out, shape: [...shape] };
}
