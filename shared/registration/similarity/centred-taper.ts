import type { NdArray } from '../../ndarray/ndarray.js';
import { tukey1d } from '../preprocess/tukey-window.js';

/**
 * A region of a 2D image (origin x0, y0; `width` x `height`), minus its mean, times a separable
 * Tukey window (alpha 0.5): what a patch or a whole image is phase-correlated as, so that the
 * frame's edges add no peak at zero shift. Float32, row-major.
 */
export function centredTaper(
  image: NdArray,
  x0: number,
  y0: number,
  width: number,
  height = width,
): NdArray<Float32Array> {
  const stride = image.shape[1]!;
  const wx = tukey1d(width, 0.5);
  const wy = height === width ? wx : tukey1d(height, 0.5);
  const { data } = image;
  let sum = 0;
  for (let y = 0; y < height; y++) {
    const row = (y0 + y) * stride + x0;
    for (let x = 0; x < width; x++) sum += data[row + x]!;
  }
  const mean = sum / (width * height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = (y0 + y) * stride + x0;
    const w = wy[y]!;
    for (let x = 0; x < width; x++) out[y * width + x] = (data[row + x]! - mean) * w * wx[x]!;
  }
  return { data: out, shape: [height, width] };
}
