import type { NdArray } from '../../ndarray/ndarray.js';
import { stridesOf } from '../../ndarray/ndarray.js';
import { selectKth } from './select-kth.js';

/**
 * N-D median filter with an odd box window and scipy.ndimage's 'reflect' boundary
 * (`d c b a | a b c d | d c b a`), the same as `scipy.ndimage.median_filter(image, size, mode='reflect')`
 * for odd sizes. The window includes the centre pixel.
 *
 * @param size odd window length per axis, axis order (z,) y, x (1 leaves an axis out)
 * @returns the filtered image as float64, same shape
 */
export function medianFilter(image: NdArray, size: readonly number[]): NdArray<Float64Array> {
  const { data, shape } = image;
  const ndim = shape.length;
  const strides = stridesOf(shape);
  const radius = size.map((s) => (s - 1) >> 1);
  // per axis and coordinate x, the flat offsets of the reflected neighbours x-r..x+r
  const tables = shape.map((n, k) => {
    const r = radius[k] as number;
    const w = 2 * r + 1;
    const t = new Float64Array(n * w);
    for (let x = 0; x < n; x++) {
      for (let d = -r; d <= r; d++) t[x * w + d + r] = reflect(x + d, n) * (strides[k] as number);
    }
    return t;
  });
  // the window, as one displacement (0..2r) per axis for each of its elements
  const count = size.reduce((a, b) => a * b, 1);
  const disp = new Int32Array(count * ndim);
  for (let j = 0; j < count; j++) {
    let rest = j;
    for (let k = ndim - 1; k >= 0; k--) {
      const w = size[k] as number;
      disp[j * ndim + k] = rest % w;
      rest = Math.floor(rest / w);
    }
  }
  // flat offsets of the window elements, for pixels whose window lies inside the image
  const flat = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    let off = 0;
    for (let k = 0; k < ndim; k++)
      off += ((disp[j * ndim + k] as number) - (radius[k] as number)) * (strides[k] as number);
    flat[j] = off;
  }
  const window = new Float64Array(count);
  const mid = count >> 1;
  const out = new Float64Array(data.length);
  const coord = new Int32Array(ndim);
  const base = new Float64Array(ndim);
  const last = ndim - 1;
  const nx = shape[last] as number;
  const rx = radius[last] as number;
  for (let i = 0; i < data.length;) {
    // one line along the last axis; the leading coordinates are fixed
    let rowInterior = true;
    for (let k = 0; k < last; k++) {
      const c = coord[k] as number;
      if (c < (radius[k] as number) || c >= (shape[k] as number) - (radius[k] as number)) rowInterior = false;
    }
    for (let x = 0; x < nx; x++, i++) {
      if (rowInterior && x >= rx && x < nx - rx) {
        for (let j = 0; j < count; j++) window[j] = data[i + (flat[j] as number)] as number;
      } else {
        coord[last] = x;
        for (let k = 0; k < ndim; k++) base[k] = (coord[k] as number) * (2 * (radius[k] as number) + 1);
        for (let j = 0; j < count; j++) {
          let idx = 0;
          for (let k = 0; k < ndim; k++) {
            idx += (tables[k] as Float64Array)[
              (base[k] as number) + (disp[j * ndim + k] as number)
            ] as number;
          }
          window[j] = data[idx] as number;
        }
      }
      out[i] = medianOf(window, count, mid);
    }
    coord[last] = 0;
    for (let k = last - 1; k >= 0; k--) {
      if (++(coord[k] as number) < (shape[k] as number)) break;
      coord[k] = 0;
    }
  }
  return { data: out, shape: [...shape] };
}

/** The value of rank `mid` among the first `count` values (insertion sort for small windows). */
function medianOf(w: Float64Array, count: number, mid: number): number {
  if (count > 32) {
    selectKth(w, mid, 0, count - 1);
    return w[mid] as number;
  }
  for (let i = 1; i < count; i++) {
    const v = w[i] as number;
    let j = i - 1;
    while (j >= 0 && (w[j] as number) > v) {
      w[j + 1] = w[j] as number;
      j--;
    }
    w[j + 1] = v;
  }
  return w[mid] as number;
}

/** scipy.ndimage 'reflect' (half-sample symmetric) index into [0, n). */
export function reflect(x: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let y = x % period;
  if (y < 0) y += period;
  return y < n ? y : period - 1 - y;
}
