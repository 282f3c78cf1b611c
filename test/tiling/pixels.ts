/** Test helpers for real-pixel pairs: seeded noise and crops (no IO besides the golden fixtures). */
import { ndarray, sizeOf, stridesOf, type NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { seededGaussian } from '../../shared/random/seeded.js';

/** Seeded standard Gaussian numbers, so that failures reproduce. */
export const gaussian = seededGaussian;

/** The centred window of `size` from `image`, as float64. */
export function crop(image: NdArray, size: readonly number[]): NdArray<Float64Array> {
  const inStrides = stridesOf(image.shape);
  const outStrides = stridesOf(size);
  const offset = image.shape.map((n, a) => Math.floor((n - size[a]!) / 2));
  const out = new Float64Array(sizeOf(size));
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    let rest = i;
    for (let a = 0; a < size.length; a++) {
      const k = Math.floor(rest / outStrides[a]!);
      rest -= k * outStrides[a]!;
      src += (k + offset[a]!) * inStrides[a]!;
    }
    out[i] = image.data[src]!;
  }
  return ndarray(out, size);
}

export function withNoise(image: NdArray, sigma: number, seed: number): NdArray<Float64Array> {
  const noise = gaussian(seed);
  return ndarray(
    Float64Array.from(image.data, (v) => v + sigma * noise()),
    image.shape,
  );
}

/**
 * A real-pixel pair: `moving` is the canvas content shifted by -`truth` (so `truth` registers
 * moving onto reference), both cropped to `size` (content enters and leaves at the borders) and
 * given independent Gaussian noise of `sigma`.
 */
export function shiftedPair(
  canvas: NdArray,
  truth: readonly number[],
  size: readonly number[],
  sigma: number,
  seed: number,
) {
  const reference = withNoise(crop(canvas, size), sigma, seed);
  const moving = withNoise(
    crop(
      fourierShift(
        canvas,
        truth.map((t) => -t),
      ),
      size,
    ),
    sigma,
    seed + 1,
  );
  return { reference, moving };
}

/** Standard deviation of the pixel values. */
export function stdOf(image: NdArray): number {
  let m = 0;
  for (const v of image.data) m += v;
  m /= image.data.length;
  let s = 0;
  for (const v of image.data) s += (v - m) ** 2;
  return Math.sqrt(s / image.data.length);
}
