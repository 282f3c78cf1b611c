import type { NdArray } from '../../ndarray/ndarray.js';
import type { Matrix3 } from './transform-matrix.js';

/**
 * A fast 2D resampling for the registration's own use: output pixel (x, y) of `outputShape` takes
 * the moving image bilinearly at `toMoving` · (x, y) (x, y pixels), `fill` outside. (The public,
 * scipy-exact resampling with every order and mode is `affineTransform`.)
 */
export function warpBilinear(
  moving: NdArray,
  toMoving: Matrix3,
  outputShape: readonly [number, number],
  fill: number,
): NdArray<Float32Array> {
  const [height, width] = outputShape;
  const [mh, mw] = moving.shape as [number, number];
  const src = moving.data;
  const out = new Float32Array(width * height);
  const [[a, b, c], [d, e, f]] = toMoving;
  for (let y = 0; y < height; y++) {
    let u = b * y + c;
    let v = e * y + f;
    for (let x = 0; x < width; x++, u += a, v += d) {
      const i = y * width + x;
      if (!(u >= 0 && v >= 0 && u <= mw - 1 && v <= mh - 1)) {
        out[i] = fill;
        continue;
      }
      const u0 = Math.min(Math.floor(u), mw - 2);
      const v0 = Math.min(Math.floor(v), mh - 2);
      const tu = u - u0;
      const tv = v - v0;
      const k = v0 * mw + u0;
      const top = src[k]! + tu * (src[k + 1]! - src[k]!);
      const bottom = src[k + mw]! + tu * (src[k + mw + 1]! - src[k + mw]!);
      out[i] = top + tv * (bottom - top);
    }
  }
  return { data: out, shape: [height, width] };
}
