import type { NdArray } from '../ndarray/ndarray.js';
import { interpolatedShift } from './interpolated-shift.js';
import { gaussianKernel } from './preprocess/gaussian-blur.js';

export interface RefineShiftDirectOptions {
  /** Gaussian smoothing of both images, pixels (see `chooseSmoothing`). */
  readonly sigma: number;
  /** At most this many Newton steps. @default 12 */
  readonly maxIterations?: number;
  /** Converged when a step moves every axis by less than this, pixels. @default 1e-4 */
  readonly tolerance?: number;
  /** Gives up (returns undefined) when the shift moves further than this from the start, pixels. @default 2 */
  readonly maxMove?: number;
}

export interface DirectShift {
  /** Shift registering moving onto reference, pixels, axis order (z,) y, x. */
  readonly shift: number[];
  readonly iterations: number;
  /** Pixels in the last step's overlap. */
  readonly pixels: number;
  /** The moving image was found to be a periodic shift of the reference, and every pixel used. */
  readonly periodic: boolean;
}

/**
 * Refines a shift by aligning the pixels themselves: Newton's method on the sum over the valid
 * overlap of (f(p) - g(p - shift))^2, f and g the two images smoothed by the same Gaussian, g
 * moved by its cubic B-spline (`interpolatedShift`).
 *
 * Why, after a phase correlation: the correlation needs a window against the content that enters
 * and leaves across the borders, and the window discards the content near them (a third of a
 * tile's pixels); it also weighs frequencies by a fixed rule. Here every pixel of the overlap
 * counts once: the ones whose counterpart is outside the moving image (and a margin of the
 * smoothing's and the interpolation's reach from either image's border) are left out, exactly.
 * The frequency weighting is the smoothing's, chosen against the noise (`chooseSmoothing`).
 *
 * The step: with r = f - h, h(p) = g(p - shift), Jf and Jh the central-difference gradients of f
 * and h, step = -H^-1 sum(J r), J = (Jf + Jh) / 2 (symmetric in the two images) and
 * H = sym(sum Jf Jh^T): the cross term alone, whose expectation holds no noise power (the two
 * images' noises are independent), so that noisy gradients do not shrink the steps as
 * sum J J^T's would (Gauss-Newton's curvature, biased by the noise, converges slowly on noisy
 * images). The fixed point, sum J r = 0, is the maximum of the cross-correlation of the smoothed
 * images over the overlap.
 *
 * Deterministic. Returns undefined (keep the start) when the curvature is not positive definite
 * (no texture), the shift wanders more than `maxMove` from the start, or no pixel is valid.
 */
export function refineShiftDirect(
  reference: NdArray,
  moving: NdArray,
  start: readonly number[],
  options: RefineShiftDirectOptions,
): DirectShift | undefined {
  const { sigma } = options;
  const { shape } = reference;
  const sigmas = shape.map((n) => (n > 1 ? sigma : 0));
  const f = blurWrap(reference, sigmas);
  const g = { data: blurWrap(moving, sigmas), shape: [...shape] };
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, m) => p * m, 1));
  const images: Smoothed = { f, g, gradF: shape.map((_, a) => gradient(f, shape, strides, a)), strides };
  // The blur's reach (4 sigma), the cubic spline's (2) and the gradient's (1).
  const margin = Math.ceil(4 * sigma) + 3;
  const cropped = newton(images, start, start, options, (shift) => overlapBox(shape, shift, margin));
  if (cropped === undefined) return undefined;
  if (!periodicFits(images, cropped.shift, margin, sigma)) return cropped;
  const whole = { lo: shape.map(() => 0), hi: shape.map((n) => n - 1) };
  const periodic = newton(images, cropped.shift, start, options, () => whole);
  return periodic === undefined ? cropped : { ...periodic, periodic: true };
}

interface Smoothed {
  readonly f: Float64Array;
  readonly g: NdArray<Float64Array>;
  readonly gradF: readonly Float64Array[];
  readonly strides: readonly number[];
}

interface Box {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/**
 * The pixels p, `margin` or more from the reference's borders, whose counterpart p - shift in the
 * moving image is `margin` or more from its borders (an axis of length 1: its one pixel).
 */
function overlapBox(shape: readonly number[], shift: readonly number[], margin: number): Box | undefined {
  const lo = shape.map((n, a) => (n === 1 ? 0 : Math.max(margin, Math.ceil(margin + shift[a]!))));
  const hi = shape.map((n, a) =>
    n === 1 ? 0 : Math.min(n - 1 - margin, Math.floor(n - 1 - margin + shift[a]!)),
  );
  return lo.some((l, a) => l > hi[a]!) ? undefined : { lo, hi };
}

/** Newton's iterations from `from` over the pixels of `box(shift)`; undefined as `refineShiftDirect`. */
function newton(
  images: Smoothed,
  from: readonly number[],
  start: readonly number[],
  options: RefineShiftDirectOptions,
  box: (shift: readonly number[]) => Box | undefined,
): DirectShift | undefined {
  const { maxIterations = 12, tolerance = 1e-4, maxMove = 2 } = options;
  const { shape } = images.g;
  const ndim = shape.length;
  let shift = [...from];
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const region = box(shift);
    if (region === undefined) return undefined;
    const h = interpolatedShift(images.g, shift, { order: 3, mode: 'grid-wrap' }).data;
    const gradH = shape.map((_, a) => gradient(h, shape, images.strides, a));
    const sums = accumulate(images.f, h, images.gradF, gradH, shape, images.strides, region);
    // An axis of length 1 keeps its shift.
    shape.forEach((n, a) => {
      if (n === 1) sums.hessian[a * ndim + a] = 1;
    });
    const step = solve(sums.hessian, sums.gradient, ndim);
    if (step === undefined) return undefined;
    shift = shift.map((s, a) => s - step[a]!);
    if (shift.some((s, a) => !(Math.abs(s - start[a]!) <= maxMove))) return undefined;
    if (step.every((d) => Math.abs(d) < tolerance))
      return { shift, iterations: iteration, pixels: sums.pixels, periodic: false };
  }
  return undefined;
}

/**
 * Whether the moving image is, within the noise, a periodic shift of the reference: then the
 * pixels that the overlap leaves out (the strip the shift brings in, and the margins) match the
 * reference too once the moving image is wrapped around, and they carry information (a whole
 * quarter of a tile's content can sit in them). The test: the mean squared difference of the
 * smoothed images over the pixels left out is at most that over the overlap plus three standard
 * deviations of its estimate (the squares of Gaussian noise vary by twice their mean, and the
 * smoothing makes neighbours within about 2 sigma of each other one sample).
 */
function periodicFits(images: Smoothed, shift: readonly number[], margin: number, sigma: number): boolean {
  const { shape } = images.g;
  const inside = overlapBox(shape, shift, margin);
  if (inside === undefined) return false;
  const h = interpolatedShift(images.g, shift, { order: 3, mode: 'grid-wrap' }).data;
  const f = images.f;
  let inSum = 0;
  let inCount = 0;
  let outSum = 0;
  let outCount = 0;
  const index = shape.map(() => 0);
  for (let i = 0; i < f.length; i++) {
    let rest = i;
    let within = true;
    for (let a = shape.length - 1; a >= 0; a--) {
      const k = rest % shape[a]!;
      rest = Math.floor(rest / shape[a]!);
      index[a] = k;
      if (k < inside.lo[a]! || k > inside.hi[a]!) within = false;
    }
    const r = f[i]! - h[i]!;
    if (within) {
      inSum += r * r;
      inCount++;
    } else {
      outSum += r * r;
      outCount++;
    }
  }
  if (outCount === 0 || inCount === 0) return false;
  const ndimActive = shape.filter((n) => n > 1).length;
  const cell = Math.max(1, Math.pow(2 * Math.sqrt(Math.PI) * sigma, ndimActive));
  const effective = outCount / cell;
  const inMean = inSum / inCount;
  return outSum / outCount <= inMean * (1 + 3 * Math.sqrt(2 / effective));
}

/** Gaussian blur (truncated at 4 sigma) with periodic boundaries, separable, float64. */
function blurWrap(image: NdArray, sigmas: readonly number[]): Float64Array {
  const { shape } = image;
  let src = Float64Array.from(image.data);
  let inner = src.length;
  shape.forEach((n, axis) => {
    inner /= n;
    const sigma = sigmas[axis]!;
    if (!(sigma > 0) || n === 1) return;
    const kernel = gaussianKernel(sigma);
    const r = (kernel.length - 1) >> 1;
    const dst = new Float64Array(src.length);
    const outer = src.length / (n * inner);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < n; k++) {
        const row = (o * n + k) * inner;
        for (let j = -r; j <= r; j++) {
          const w = kernel[j + r]!;
          const from = (o * n + ((((k + j) % n) + n) % n)) * inner;
          for (let t = 0; t < inner; t++) dst[row + t]! += w * src[from + t]!;
        }
      }
    }
    src = dst;
  });
  return src;
}

/** Central differences along `axis`, periodic. */
function gradient(
  data: Float32Array | Float64Array,
  shape: readonly number[],
  strides: readonly number[],
  axis: number,
): Float64Array {
  const out = new Float64Array(data.length);
  const n = shape[axis]!;
  const stride = strides[axis]!;
  if (n < 3) return out;
  const span = n * stride;
  for (let i = 0; i < data.length; i++) {
    const k = Math.floor(i / stride) % n;
    const up = k + 1 < n ? i + stride : i + stride - span;
    const down = k > 0 ? i - stride : i - stride + span;
    out[i] = 0.5 * (data[up]! - data[down]!);
  }
  return out;
}

/** Sums over the box [lo, hi] (inclusive per axis) of J r and sym(Jf Jh^T). */
function accumulate(
  f: Float64Array,
  h: Float32Array | Float64Array,
  gradF: readonly Float64Array[],
  gradH: readonly Float64Array[],
  shape: readonly number[],
  strides: readonly number[],
  box: Box,
): { hessian: Float64Array; gradient: Float64Array; pixels: number } {
  const { lo, hi } = box;
  const ndim = shape.length;
  const hessian = new Float64Array(ndim * ndim);
  const grad = new Float64Array(ndim);
  const index = [...lo];
  let pixels = 0;
  for (;;) {
    let i = 0;
    for (let a = 0; a < ndim; a++) i += index[a]! * strides[a]!;
    const r = f[i]! - h[i]!;
    for (let a = 0; a < ndim; a++) {
      const fa = gradF[a]![i]!;
      const ha = gradH[a]![i]!;
      grad[a]! += 0.5 * (fa + ha) * r;
      for (let b = 0; b < ndim; b++) hessian[a * ndim + b]! += 0.5 * (fa * gradH[b]![i]! + ha * gradF[b]![i]!);
    }
    pixels++;
    let a = ndim - 1;
    while (a >= 0 && index[a] === hi[a]) {
      index[a] = lo[a]!;
      a--;
    }
    if (a < 0) break;
    index[a]!++;
  }
  return { hessian, gradient: grad, pixels };
}

/**
 * H^-1 g by Cholesky, undefined unless H is positive definite. (With h(p) = g(p - shift), growing
 * the shift by d changes h by -d . grad h, so r + d . J ~ 0 in the least-squares sense gives
 * d = -H^-1 sum(J r): the caller subtracts the result.)
 */
function solve(hessian: Float64Array, grad: Float64Array, ndim: number): number[] | undefined {
  const l = new Float64Array(ndim * ndim);
  for (let i = 0; i < ndim; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = hessian[i * ndim + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * ndim + k]! * l[j * ndim + k]!;
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * ndim + i] = Math.sqrt(sum);
      } else l[i * ndim + j] = sum / l[j * ndim + j]!;
    }
  }
  const y = new Float64Array(ndim);
  for (let i = 0; i < ndim; i++) {
    let sum = grad[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * ndim + k]! * y[k]!;
    y[i] = sum / l[i * ndim + i]!;
  }
  const x = new Array<number>(ndim).fill(0);
  for (let i = ndim - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < ndim; k++) sum -= l[k * ndim + i]! * x[k]!;
    x[i] = sum / l[i * ndim + i]!;
  }
  return x;
}
