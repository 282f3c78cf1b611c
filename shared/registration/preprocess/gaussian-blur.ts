import type { NdArray, PixelArray } from '../../ndarray/ndarray.js';
import { reflect } from './median-filter.js';
import { LANES, laneStarts, type AxisLines } from '../line-lanes.js';

/**
 * The normalised 1-D Gaussian kernel of scipy.ndimage: exp(-x^2 / (2 sigma^2)) for x in
 * [-radius, radius], divided by its sum, with radius = floor(truncate * sigma + 0.5).
 */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    kernel[x + radius] = v;
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / sum;
  return kernel;
}

/**
 * N-D Gaussian blur as `scipy.ndimage.gaussian_filter(image, sigma, mode='reflect', truncate=4.0)` in
 * float64: separable 1-D passes, kernel truncated at 4 sigma, half-sample symmetric boundary
 * (`d c b a | a b c d | d c b a`). Axes with sigma 0 are not filtered. Cost O(size x sum of radii).
 *
 * @param sigma standard deviation per axis, in pixels, axis order (z,) y, x
 */
export function gaussianBlur(image: NdArray, sigma: readonly number[]): NdArray<Float64Array> {
  const { shape } = image;
  let src: PixelArray = image.data;
  let outer = 1;
  shape.forEach((n, axis) => {
    const s = sigma[axis] as number;
    if (s > 1e-15) {
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      src = blurAxis(src, n, outer, inner, gaussianKernel(s));
    }
    outer *= n;
  });
  return { data: src === image.data ? Float64Array.from(src) : (src as Float64Array), shape: [...shape] };
}

function blurAxis(
  src: PixelArray,
  n: number,
  outer: number,
  inner: number,
  kernel: Float64Array,
): Float64Array {
  const dst = new Float64Array(src.length);
  const r = (kernel.length - 1) >> 1;
  const k0 = kernel[r] as number;
  const rows = n + 2 * r;
  const mapped = new Int32Array(rows);
  for (let i = 0; i < rows; i++) mapped[i] = reflect(i - r, n);
  const block = new Float64Array(rows * LANES);
  const acc = new Float64Array(LANES);
  const starts = new Float64Array(LANES);
  const axis: AxisLines = { lines: outer * inner, inner, span: n * inner };
  for (let first = 0; first < axis.lines; first += LANES) {
    const lanes = laneStarts(axis, first, starts);
    for (let i = 0; i < rows; i++) {
      const row = i * lanes;
      const off = (mapped[i] as number) * inner;
      for (let w = 0; w < lanes; w++) block[row + w] = src[(starts[w] as number) + off] as number;
    }
    for (let i = 0; i < n; i++) {
      const c = (i + r) * lanes;
      for (let w = 0; w < lanes; w++) acc[w] = k0 * (block[c + w] as number);
      let t = 1;
      for (; t + 1 <= r; t += 2) {
        const ka = kernel[r + t] as number;
        const kb = kernel[r + t + 1] as number;
        const pa = c - t * lanes;
        const qa = c + t * lanes;
        const pb = pa - lanes;
        const qb = qa + lanes;
        for (let w = 0; w < lanes; w++) {
          acc[w] =
            (acc[w] as number) +
            ka * ((block[pa + w] as number) + (block[qa + w] as number)) +
            kb * ((block[pb + w] as number) + (block[qb + w] as number));
        }
      }
      if (t <= r) {
        const kt = kernel[r + t] as number;
        const p = c - t * lanes;
        const q = c + t * lanes;
        for (let w = 0; w < lanes; w++) {
          acc[w] = (acc[w] as number) + kt * ((block[p + w] as number) + (block[q + w] as number));
        }
      }
      const off = i * inner;
      for (let w = 0; w < lanes; w++) dst[(starts[w] as number) + off] = acc[w] as number;
    }
  }
  return dst;
}
