import { sizeOf, stridesOf, type NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { resample } from '../resample.js';
import { seededUniform } from '../../shared/random/seeded.js';

/** How the moving image's content relates to the reference's at its borders. */
export type Border = 'circular' | 'crop';

export type Noise =
  | { readonly kind: 'none' }
  /** Independent Gaussian noise on each image, sigma = `fraction` of the clean reference's range. */
  | { readonly kind: 'gaussian'; readonly fraction: number }
  /** Photon counting: each image scaled so the clean reference's mean is `photons`, then Poisson. */
  | { readonly kind: 'poisson'; readonly photons: number };

/** One seeded registration problem with a known answer. */
export interface AccuracyCaseSpec {
  readonly id: string;
  /** Real pixels the pair is cut from (resampled when the case is larger). */
  readonly source: NdArray;
  readonly shape: readonly number[];
  readonly border: Border;
  readonly noise: Noise;
  /** Largest shift per axis, pixels (each axis drawn uniformly in [-max, max]). */
  readonly maxShift: readonly number[];
  readonly seed: number;
}

export interface AccuracyCase {
  readonly id: string;
  readonly reference: NdArray<Float32Array>;
  readonly moving: NdArray<Float32Array>;
  /** The shift registering moving onto reference (scikit-image's convention), axis order (z,) y, x. */
  readonly truth: number[];
}

/**
 * Makes the pair of a case: `circular`: the source fitted to `shape` (cropped at its centre, or
 * resampled up when smaller) and a periodic Fourier shift of it; `crop`: a canvas larger than
 * `shape` by the shift and a 16-pixel margin on each side, Fourier-shifted, and the same window
 * cut out of the canvas before and after the shift, so content enters and leaves across every
 * border as in a real acquisition. Then each image gets its own noise. Deterministic in the seed.
 */
export function makeCase(spec: AccuracyCaseSpec): AccuracyCase {
  const random = seededUniform(spec.seed);
  const truth = spec.maxShift.map((m) => Math.round((2 * random() - 1) * m * 1000) / 1000);
  const margin = spec.shape.map((_, a) =>
    spec.border === 'circular' ? 0 : Math.ceil(spec.maxShift[a]!) + (spec.maxShift[a]! > 0 ? 16 : 0),
  );
  const canvas = fitted(
    spec.source,
    spec.shape.map((n, a) => n + 2 * margin[a]!),
  );
  const shifted = fourierShift(
    canvas,
    truth.map((t) => -t),
  );
  const clean = [crop(canvas, margin, spec.shape), crop(shifted, margin, spec.shape)] as const;
  const [reference, moving] = addNoise(clean, spec.noise, random);
  return { id: spec.id, reference, moving, truth };
}

/** The source cut at its centre to `shape`, or resampled up to it along the axes where it is shorter. */
function fitted(source: NdArray, shape: readonly number[]): NdArray<Float32Array> {
  const grown = source.shape.some((n, a) => n < shape[a]!)
    ? resample(
        source,
        source.shape.map((n, a) => Math.max(n, shape[a]!)),
      )
    : source;
  return crop(
    grown,
    grown.shape.map((n, a) => Math.floor((n - shape[a]!) / 2)),
    shape,
  );
}

function crop(image: NdArray, start: readonly number[], shape: readonly number[]): NdArray<Float32Array> {
  const out = new Float32Array(sizeOf(shape));
  const inStrides = stridesOf(image.shape);
  const outStrides = stridesOf(shape);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    for (let a = 0; a < shape.length; a++) {
      const k = Math.floor(rest / outStrides[a]!);
      rest -= k * outStrides[a]!;
      src += (k + start[a]!) * inStrides[a]!;
    }
    out[i] = image.data[src]!;
  }
  return { data: out, shape: [...shape] };
}

function addNoise(
  clean: readonly [NdArray<Float32Array>, NdArray<Float32Array>],
  noise: Noise,
  random: () => number,
): [NdArray<Float32Array>, NdArray<Float32Array>] {
  if (noise.kind === 'none') return [clean[0], clean[1]];
  const ref = clean[0].data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of ref) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return clean.map((image) => {
    const out = new Float32Array(image.data.length);
    if (noise.kind === 'gaussian') {
      const sigma = noise.fraction * (max - min);
      for (let i = 0; i < out.length; i++) out[i] = image.data[i]! + sigma * gaussian();
    } else {
      const scale = noise.photons / (sum / ref.length);
      for (let i = 0; i < out.length; i++) out[i] = poisson(Math.max(0, image.data[i]! * scale), random);
    }
    return { data: out, shape: image.shape };
  }) as [NdArray<Float32Array>, NdArray<Float32Array>];
}

/** A Poisson draw of mean `lambda`: Knuth's product of uniforms, in chunks of 500 for large means. */
function poisson(lambda: number, random: () => number): number {
  let count = 0;
  for (let rest = lambda; rest > 0; rest -= 500) {
    const limit = Math.exp(-Math.min(rest, 500));
    let p = random();
    while (p > limit) {
      count++;
      p *= random();
    }
  }
  return count;
}
