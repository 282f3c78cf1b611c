import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, sizeOf, stridesOf, type NdArray } from '../ndarray/ndarray.js';
import { fftn } from '../registration/fourier-transform.js';
import { hann1d } from '../registration/preprocess/hann-window.js';
import { tukey1d } from '../registration/preprocess/tukey-window.js';
import { resolveWindow, type Window, type WindowOption } from '../registration/preprocess/window-option.js';
import { checkPair } from './check-pair.js';
import { halfBitThreshold } from './frc-threshold.js';

export interface FourierRingCorrelationOptions {
  /**
   * Window applied to both images (after subtracting their means) before the transform, the
   * registration's window option (`resolveWindow`: the name 'tukey' is alpha 0.5). The borders of
   * a non-periodic image are the same in both images and would otherwise read as correlated signal
   * at every frequency (a cross in the spectrum). 'none' is the FIB-SEM toolkit's convention.
   * @default { type: 'tukey', alpha: 0.25 } (`FRC_WINDOW`: the outer eighth of each side tapered)
   */
  window?: WindowOption;
}

/** The window of the FRC when none is given: Tukey, alpha 0.25. */
export const FRC_WINDOW = { type: 'tukey', alpha: 0.25 } as const satisfies Window;

/** A Fourier ring (2D) or shell (3D) correlation curve, one entry per ring k = 1 .. floor(M / 2). */
export interface FourierRingCorrelation {
  /** Spatial frequency of ring k, cycles per pixel: k / M, M the shortest axis; up to 0.5. */
  readonly frequency: number[];
  /** Correlation in [-1, 1]: sum Re(F1 F2*) / sqrt(sum |F1|^2 sum |F2|^2) over the ring. */
  readonly correlation: number[];
  /** Fourier pixels (voxels) in the ring, counted over the full spectrum. */
  readonly pixels: number[];
  /** The half-bit threshold of each ring (van Heel and Schatz 2005, see `halfBitThreshold`). */
  readonly halfBit: number[];
}

/**
 * Fourier ring correlation of two 2D images, Fourier shell correlation of two 3D volumes (Saxton
 * and Baumeister 1982; van Heel 1987): the correlation of the two spectra over rings of equal
 * spatial frequency. Two images of one object with independent noise give FRC = SNR / (1 + SNR)
 * per ring; where it falls below a threshold (1/7, or half-bit) marks the resolution.
 *
 * Rings: a Fourier pixel with frequencies f_i = fftfreq(k_i, N_i) (cycles/px per axis) belongs to
 * ring round(M * sqrt(sum f_i^2)) (halves rounded up), M = min N_i, so ring k is centred on k / M
 * on every axis also for non-square images; pixels beyond ring M / 2 (the corners) are left out.
 *
 * @param a, b same shape, 2D (y, x) or 3D (z, y, x); each axis at least 4 pixels
 * @throws MetdbError 'shape-mismatch', 'invalid-argument'
 */
export function fourierRingCorrelation(
  a: NdArray,
  b: NdArray,
  options: FourierRingCorrelationOptions = {},
): FourierRingCorrelation {
  const window = resolveWindow(options.window, 'fourierRingCorrelation', FRC_WINDOW);
  checkPair(a, b, 'fourierRingCorrelation');
  const { shape } = a;
  if (shape.length < 2 || shape.length > 3 || shape.some((n) => n < 4)) {
    throw new MetdbError(
      'invalid-argument',
      `fourierRingCorrelation: needs a 2D or 3D array of at least 4 pixels per axis, got [${shape.join(', ')}]`,
    );
  }
  const taper = (n: number): Float64Array =>
    window.type === 'hann'
      ? hann1d(n)
      : window.type === 'tukey'
        ? tukey1d(n, window.alpha)
        : new Float64Array(n).fill(1);
  const weights = shape.map(taper);
  const fa = fftn(prepared(a, weights)).data;
  const fb = fftn(prepared(b, weights)).data;

  const m = Math.min(...shape);
  const rings = Math.floor(m / 2);
  const cross = new Float64Array(rings + 1);
  const pa = new Float64Array(rings + 1);
  const pb = new Float64Array(rings + 1);
  const count = new Float64Array(rings + 1);
  const scaled = shape.map((n) =>
    Float64Array.from({ length: n }, (_, k) => ((k < Math.ceil(n / 2) ? k : k - n) * m) / n),
  );
  const strides = stridesOf(shape);
  const size = sizeOf(shape);
  for (let i = 0; i < size; i++) {
    let r2 = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      const u = scaled[axis]![Math.floor(i / strides[axis]!) % shape[axis]!]!;
      r2 += u * u;
    }
    const ring = Math.floor(Math.sqrt(r2) + 0.5);
    if (ring > rings) continue;
    const ar = fa[2 * i]!;
    const ai = fa[2 * i + 1]!;
    const br = fb[2 * i]!;
    const bi = fb[2 * i + 1]!;
    cross[ring]! += ar * br + ai * bi;
    pa[ring]! += ar * ar + ai * ai;
    pb[ring]! += br * br + bi * bi;
    count[ring]! += 1;
  }
  const result: FourierRingCorrelation = { frequency: [], correlation: [], pixels: [], halfBit: [] };
  for (let k = 1; k <= rings; k++) {
    const denominator = Math.sqrt(pa[k]! * pb[k]!);
    result.frequency.push(k / m);
    result.correlation.push(denominator > 0 ? cross[k]! / denominator : Number.NaN);
    result.pixels.push(count[k]!);
    result.halfBit.push(halfBitThreshold(count[k]!));
  }
  return result;
}

/** The image minus its mean, times the separable window. */
function prepared(image: NdArray, weights: readonly Float64Array[]): NdArray<Float64Array> {
  const { data, shape } = image;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i]!;
  mean /= data.length;
  const out = new Float64Array(data.length);
  const strides = stridesOf(shape);
  for (let i = 0; i < data.length; i++) {
    let w = 1;
    for (let axis = 0; axis < shape.length; axis++) {
      w *= weights[axis]![Math.floor(i / strides[axis]!) % shape[axis]!]!;
    }
    out[i] = (data[i]! - mean) * w;
  }
  return ndarray(out, shape);
}
