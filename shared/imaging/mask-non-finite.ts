import type { NdArray } from '../ndarray/ndarray.js';

/**
 * Masks the NaN and infinite pixels of a float image in place (a flat-field division by a zero
 * pixel, a failed detector element): each becomes the mean of the finite pixels among its 8
 * neighbours in its plane, or, where none is finite (inside a large masked area), the mean of its
 * plane's finite pixels. A local mean carries no structure of its own, so neither phase
 * correlation nor the NCC and quality figures see the masked pixels as signal; a non-finite value
 * left in would turn every Fourier coefficient, hence the whole registration, into NaN.
 *
 * Planes are the last two axes ([y, x], or each z of [z, y, x]). A plane with no finite pixel at
 * all becomes 0. Integer arrays cannot hold non-finite values and are left alone.
 *
 * @returns the number of pixels masked (0 when the image was finite)
 */
export function maskNonFinite(array: NdArray): number {
  const { data, shape } = array;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      first = i;
      break;
    }
  }
  if (first < 0) return 0;
  const width = shape.length >= 1 ? shape[shape.length - 1]! : 1;
  const height = shape.length >= 2 ? shape[shape.length - 2]! : 1;
  const planeSize = width * height;
  let masked = 0;
  for (let start = Math.floor(first / planeSize) * planeSize; start < data.length; start += planeSize) {
    masked += maskPlane(data.subarray(start, start + planeSize), width, height);
  }
  return masked;
}

/** One plane: the neighbours' means from the original finite values, then the plane mean. */
function maskPlane(plane: Float32Array | Float64Array, width: number, height: number): number {
  const bad: number[] = [];
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < plane.length; i++) {
    const v = plane[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      finite++;
    } else bad.push(i);
  }
  if (bad.length === 0) return 0;
  const planeMean = finite === 0 ? 0 : sum / finite;
  // Means first, writes after: a masked pixel never feeds its neighbour's mean.
  const fills = new Float64Array(bad.length);
  for (let k = 0; k < bad.length; k++) {
    const i = bad[k]!;
    const y = Math.floor(i / width);
    const x = i - y * width;
    let s = 0;
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
        const v = plane[yy * width + xx]!;
        if (Number.isFinite(v)) {
          s += v;
          n++;
        }
      }
    }
    fills[k] = n === 0 ? planeMean : s / n;
  }
  for (let k = 0; k < bad.length; k++) plane[bad[k]!] = fills[k]!;
  return bad.length;
}
