import type { NdArray } from '../ndarray/ndarray.js';
import { accumulate, type Images } from './direct-sums.js';
import { convolveAxis, forEachAxis, forEachRow, gradient, prefilterAxis, type Box } from './grid-filter.js';
import { gaussianKernel } from './preprocess/gaussian-blur.js';
import { ScratchFloat64 } from './scratch-array.js';
import { splineWeights } from './spline/axis-table.js';

export interface RefineShiftDirectOptions {
  /** Gaussian smoothing of both images, pixels (see `chooseSmoothing`). */
  readonly sigma: number;
  /** At most this many steps (per model). @default 16 */
  readonly maxIterations?: number;
  /** Converged when a step moves every axis by less than this, pixels. @default 1e-3 */
  readonly tolerance?: number;
  /**
   * Gives up (returns undefined) when the shift moves further than this from the start, pixels:
   * the basin of the smoothed images' correlation peak widens with the smoothing.
   * @default max(2, 2 sigma)
   */
  readonly maxMove?: number;
}

export interface DirectShift {
  /** Shift registering moving onto reference, pixels, axis order (z,) y, x. */
  readonly shift: number[];
  /** Steps taken (both models). */
  readonly iterations: number;
  /** Pixels in the last step's overlap. */
  readonly pixels: number;
  /** The moving image was found to be a periodic shift of the reference, and every pixel used. */
  readonly periodic: boolean;
}

/**
 * The buffers `refineShiftDirect` fills and reads before it returns (see `ScratchFloat64`): one
 * per thread that refines many tiles, so that its dozen tile-sized arrays are not allocated anew
 * for every tile.
 */
export class DirectWorkspace {
  readonly reference = new ScratchFloat64();
  readonly coefficients = new ScratchFloat64();
  readonly moved = new ScratchFloat64();
  readonly scratch = new ScratchFloat64();
  private readonly gradients: ScratchFloat64[] = [];

  /** Buffer k: along axis a, 2a for the reference's gradient, 2a + 1 for the moved image's. */
  gradient(k: number): ScratchFloat64 {
    while (this.gradients.length <= k) this.gradients.push(new ScratchFloat64());
    return this.gradients[k]!;
  }
}

/**
 * Reach of the smoothing kernel, in sigmas (scipy's default truncation is 4; the weights beyond
 * 3 sigma sum to 0.3 %).
 */
const TRUNCATE = 3;

/** Margin left out along every border: the blur's reach, the cubic spline's (2) and the gradient's (1). */
export function directMargin(sigma: number): number {
  return Math.ceil(TRUNCATE * sigma) + 3;
}

/**
 * Refines a shift by aligning the pixels themselves: the root of the gradient of the sum over the
 * valid overlap of (f(p) - g(p - shift))^2, f and g the two images smoothed by the same Gaussian,
 * g moved by its cubic B-spline (periodic).
 *
 * Why, after a phase correlation: the correlation needs a window against the content that enters
 * and leaves across the borders, and the window discards the content near them (a third of a
 * tile's pixels); it also weighs frequencies by a fixed rule. Here every pixel of the overlap
 * counts once: the ones whose counterpart is outside the moving image (and a margin of the
 * smoothing's and the interpolation's reach from either image's border) are left out, exactly.
 * The frequency weighting is the smoothing's, chosen against the noise (`chooseSmoothing`).
 *
 * The equation: with r = f - h, h(p) = g(p - shift), Jf and Jh the central-difference gradients
 * of f and h, F(shift) = sum((Jf + Jh) / 2 r) = 0 (symmetric in the two images): the maximum of
 * the cross-correlation of the smoothed images over the overlap. Solved by Broyden's method from
 * the Jacobian sym(sum Jf Jh^T): the cross term alone, whose expectation holds no noise power (the
 * two images' noises are independent), where Gauss-Newton's sum J J^T, inflated by noisy
 * gradients, shrinks every step; Broyden's updates then follow F's actual slope, which the noise
 * of low-texture tiles makes steeper than its expectation (plain Newton steps overshoot there).
 * An offset and a linear ramp of the intensities are profiled out (`accumulate`).
 *
 * Then whether the moving image is a periodic shift of the reference (`periodicFits`): if so, the
 * pixels the overlap left out are valid too, and the root is found again over every pixel.
 *
 * Deterministic. Returns undefined (keep the estimate) when the root is not found: the Jacobian
 * is not positive definite (no texture), the shift wanders more than `maxMove` from the start,
 * it does not converge, or no pixel is valid.
 */
export function refineShiftDirect(
  reference: NdArray,
  moving: NdArray,
  start: readonly number[],
  options: RefineShiftDirectOptions,
  workspace = new DirectWorkspace(),
): DirectShift | undefined {
  const { sigma } = options;
  const { shape } = reference;
  const kernel = gaussianKernel(sigma, TRUNCATE);
  const size = reference.data.length;
  const f = workspace.reference.take(size);
  f.set(reference.data);
  const coefficients = workspace.coefficients.take(size);
  coefficients.set(moving.data);
  const line = new Float64Array(Math.max(...shape) + kernel.length + 4);
  const scratch = workspace.scratch.take(size);
  forEachAxis(shape, (axis, n, inner) => {
    if (n === 1) return;
    convolveAxis(f, { n, inner }, { weights: kernel, first: -(kernel.length >> 1) }, { scratch, line });
    convolveAxis(
      coefficients,
      { n, inner },
      { weights: kernel, first: -(kernel.length >> 1) },
      { scratch, line },
    );
    prefilterAxis(coefficients, n, inner);
  });
  const images: Images = {
    shape,
    f,
    gradF: shape.map((_, a) => gradient(f, shape, a, workspace.gradient(2 * a).take(size))),
    coefficients,
    h: workspace.moved.take(size),
    gradH: shape.map((_, a) => workspace.gradient(2 * a + 1).take(size)),
    scratch,
    line,
  };
  return solveFrom(images, start, directMargin(sigma), options);
}

/** The root from one start: over the overlap, then over every pixel if the shift is periodic. */
function solveFrom(
  images: Images,
  start: readonly number[],
  margin: number,
  options: RefineShiftDirectOptions,
): DirectShift | undefined {
  const { shape } = images;
  const cropped = solveShift(images, start, start, options, (shift) => overlapBox(shape, shift, margin));
  if (cropped === undefined) return undefined;
  if (!periodicFits(images, cropped.shift, margin, options.sigma)) return cropped;
  const whole: Box = { lo: shape.map(() => 0), hi: shape.map((n) => n - 1) };
  const periodic = solveShift(images, cropped.shift, start, options, () => whole);
  return periodic === undefined
    ? cropped
    : { ...periodic, iterations: cropped.iterations + periodic.iterations, periodic: true };
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

/** Broyden's iterations from `from` over the pixels of `box(shift)`; undefined as `refineShiftDirect`. */
function solveShift(
  images: Images,
  from: readonly number[],
  start: readonly number[],
  options: RefineShiftDirectOptions,
  box: (shift: readonly number[]) => Box | undefined,
): DirectShift | undefined {
  const { maxIterations = 16, tolerance = 1e-3 } = options;
  const maxMove = options.maxMove ?? Math.max(2, 2 * options.sigma);
  const { shape } = images;
  const ndim = shape.length;
  let shift = [...from];
  let jacobian: Float64Array | undefined;
  let previous: { shift: number[]; value: Float64Array } | undefined;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const region = box(shift);
    if (region === undefined) return undefined;
    moveMoving(images, shift);
    const sums = accumulate(images, region);
    if (jacobian === undefined) {
      jacobian = sums.jacobian;
      // An axis of length 1 keeps its shift.
      shape.forEach((n, a) => {
        if (n === 1) jacobian![a * ndim + a] = 1;
      });
      if (!positiveDefinite(jacobian, ndim)) return undefined;
    } else if (previous !== undefined) {
      broydenUpdate(jacobian, shift, sums.value, previous, ndim);
    }
    const step = solveLinear(jacobian, sums.value, ndim);
    if (step === undefined) return undefined;
    previous = { shift, value: sums.value };
    shift = shift.map((s, a) => s - step[a]!);
    if (shift.some((s, a) => !(Math.abs(s - start[a]!) <= maxMove))) return undefined;
    if (step.every((d) => Math.abs(d) < tolerance))
      return { shift, iterations: iteration, pixels: sums.pixels, periodic: false };
  }
  return undefined;
}

/**
 * Broyden's ("good") update of the Jacobian B of F from the last step:
 * B += (dF - B ds) ds^T / (ds . ds).
 */
function broydenUpdate(
  jacobian: Float64Array,
  shift: readonly number[],
  value: Float64Array,
  previous: { shift: readonly number[]; value: Float64Array },
  ndim: number,
): void {
  const ds = shift.map((s, a) => s - previous.shift[a]!);
  const norm = ds.reduce((p, d) => p + d * d, 0);
  if (!(norm > 0)) return;
  for (let i = 0; i < ndim; i++) {
    let predicted = 0;
    for (let j = 0; j < ndim; j++) predicted += jacobian[i * ndim + j]! * ds[j]!;
    const miss = value[i]! - previous.value[i]! - predicted;
    for (let j = 0; j < ndim; j++) jacobian[i * ndim + j]! += (miss * ds[j]!) / norm;
  }
}

/** h(p) = g(p - shift) from g's spline coefficients, and its gradient (unless `values`), into `images`. */
function moveMoving(images: Images, shift: readonly number[], values = false): void {
  const { shape, coefficients, h, scratch, line } = images;
  h.set(coefficients);
  const weights = new Float64Array(4);
  forEachAxis(shape, (axis, n, inner) => {
    if (n === 1) return;
    // Output k reads the spline at x = k - shift: taps floor(x) - 1 .. floor(x) + 2.
    const x = -shift[axis]!;
    splineWeights(x, 3, weights, 0);
    convolveAxis(h, { n, inner }, { weights, first: Math.floor(x) - 1 }, { scratch, line });
  });
  if (!values) shape.forEach((_, a) => gradient(h, shape, a, images.gradH[a]!));
}

/**
 * Whether the moving image is, within the noise, a periodic shift of the reference: then the
 * pixels that the overlap leaves out (the strip the shift brings in, and the margins) match the
 * reference too once the moving image is wrapped around, and they carry information (a whole
 * quarter of a tile's content can sit in them). The test: the mean squared difference of the
 * smoothed images over the pixels left out is at most that over the overlap plus three standard
 * deviations of its estimate (the squares of Gaussian noise vary by twice their mean, and the
 * smoothing makes the pixels within about 2 sigma of each other one sample).
 */
function periodicFits(images: Images, shift: readonly number[], margin: number, sigma: number): boolean {
  const { shape, f, h } = images;
  const inside = overlapBox(shape, shift, margin);
  if (inside === undefined) return false;
  moveMoving(images, shift, true);
  let total = 0;
  for (let i = 0; i < f.length; i++) total += (f[i]! - h[i]!) ** 2;
  const last = shape.length - 1;
  let inSum = 0;
  let inCount = 0;
  forEachRow(shape, inside, (rowStart) => {
    for (let i = rowStart + inside.lo[last]!; i <= rowStart + inside.hi[last]!; i++)
      inSum += (f[i]! - h[i]!) ** 2;
    inCount += inside.hi[last]! - inside.lo[last]! + 1;
  });
  const outCount = f.length - inCount;
  if (outCount === 0 || inCount === 0 || !(inSum > 0)) return false;
  const axes = shape.filter((n) => n > 1).length;
  const cell = Math.max(1, Math.pow(2 * Math.sqrt(Math.PI) * sigma, axes));
  const effective = outCount / cell;
  const outMean = (total - inSum) / outCount;
  return outMean <= (inSum / inCount) * (1 + 3 * Math.sqrt(2 / effective));
}

/** Whether a symmetric matrix is positive definite (Cholesky). */
function positiveDefinite(matrix: Float64Array, ndim: number): boolean {
  const l = new Float64Array(ndim * ndim);
  for (let i = 0; i < ndim; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * ndim + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * ndim + k]! * l[j * ndim + k]!;
      if (i === j) {
        if (!(sum > 0)) return false;
        l[i * ndim + i] = Math.sqrt(sum);
      } else l[i * ndim + j] = sum / l[j * ndim + j]!;
    }
  }
  return true;
}

/**
 * B^-1 F by Gaussian elimination with partial pivoting; undefined when B is singular or a
 * diagonal element is not positive (F's slope along an axis has turned: no minimum there).
 */
function solveLinear(matrix: Float64Array, rhs: Float64Array, ndim: number): number[] | undefined {
  for (let i = 0; i < ndim; i++) if (!(matrix[i * ndim + i]! > 0)) return undefined;
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let col = 0; col < ndim; col++) {
    let pivot = col;
    for (let r = col + 1; r < ndim; r++)
      if (Math.abs(a[r * ndim + col]!) > Math.abs(a[pivot * ndim + col]!)) pivot = r;
    if (!(Math.abs(a[pivot * ndim + col]!) > 0)) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < ndim; c++) {
        const t = a[col * ndim + c]!;
        a[col * ndim + c] = a[pivot * ndim + c]!;
        a[pivot * ndim + c] = t;
      }
      const t = b[col]!;
      b[col] = b[pivot]!;
      b[pivot] = t;
    }
    for (let r = col + 1; r < ndim; r++) {
      const factor = a[r * ndim + col]! / a[col * ndim + col]!;
      for (let c = col; c < ndim; c++) a[r * ndim + c]! -= factor * a[col * ndim + c]!;
      b[r]! -= factor * b[col]!;
    }
  }
  const x = new Array<number>(ndim).fill(0);
  for (let i = ndim - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < ndim; k++) sum -= a[i * ndim + k]! * x[k]!;
    x[i] = sum / a[i * ndim + i]!;
  }
  return x;
}
