import type { NdArray } from '../ndarray/ndarray.js';
import { gaussianKernel } from './preprocess/gaussian-blur.js';
import { ScratchFloat64 } from './scratch-array.js';
import { splineWeights } from './spline/axis-table.js';
import { splinePrefilter } from './spline/spline-prefilter.js';

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

interface Images {
  readonly shape: readonly number[];
  /** The smoothed reference and its gradient. */
  readonly f: Float64Array;
  readonly gradF: readonly Float64Array[];
  /** The smoothed moving image's periodic cubic B-spline coefficients. */
  readonly coefficients: Float64Array;
  /** The moving image moved (`moveMoving`), its gradient, and buffers. */
  readonly h: Float64Array;
  readonly gradH: readonly Float64Array[];
  readonly scratch: Float64Array;
  readonly line: Float64Array;
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
 * Over the box: F = sum((Jf + Jh) / 2 (f - h)) and the Jacobian's estimate sym(sum Jf Jh^T), both
 * with an offset and a linear ramp of the intensities profiled out (the gradients and the
 * residual projected off the box's constant and coordinate functions, which are orthogonal on a
 * box once centred): a background that stays where it is while the content moves (uneven
 * illumination, a camera's offset), the same in both images, would otherwise pull the shift
 * towards zero; a linear one leaves the residual an offset plus a ramp.
 */
function accumulate(
  images: Images,
  box: Box,
): { value: Float64Array; jacobian: Float64Array; pixels: number } {
  const { shape, f, h, gradF, gradH } = images;
  const ndim = shape.length;
  const { lo, hi } = box;
  const last = ndim - 1;
  const centre = lo.map((l, c) => (l + hi[c]!) / 2);
  // Raw sums: of Jf_a Jh_b, J_a r, Jf_a, Jh_a, r; and of x_c Jf_a, x_c Jh_a, x_c r (x centred).
  const fh = new Float64Array(ndim * ndim);
  const jr = new Float64Array(ndim);
  const sf = new Float64Array(ndim);
  const sh = new Float64Array(ndim);
  const xf = new Float64Array(ndim * ndim);
  const xh = new Float64Array(ndim * ndim);
  const xr = new Float64Array(ndim);
  let sr = 0;
  let pixels = 0;
  const row = new Float64Array(2);
  const rowSums = new Float64Array(ROW_SUMS_2D);
  const images2d: RowImages2d = {
    f,
    h,
    gradF: [gradF[0]!, gradF[1] ?? gradF[0]!],
    gradH: [gradH[0]!, gradH[1] ?? gradH[0]!],
  };
  forEachRow(shape, box, (rowStart, index) => {
    if (ndim === 2) {
      // One pass over the row (the general loops below make 13).
      const from = rowStart + lo[1]!;
      const to = rowStart + hi[1]!;
      pixels += to - from + 1;
      const y = index[0]! - centre[0]!;
      const v = sumsOfRow2d(images2d, { from, to, x0: lo[1]! - centre[1]! }, rowSums);
      sr += v[0]!;
      xr[1]! += v[1]!;
      xr[0]! += y * v[0]!;
      jr[0]! += 0.5 * v[2]!;
      jr[1]! += 0.5 * v[3]!;
      sf[0]! += v[4]!;
      sf[1]! += v[5]!;
      sh[0]! += v[6]!;
      sh[1]! += v[7]!;
      xf[2]! += v[8]!;
      xf[3]! += v[9]!;
      xh[2]! += v[10]!;
      xh[3]! += v[11]!;
      xf[0]! += y * v[4]!;
      xf[1]! += y * v[5]!;
      xh[0]! += y * v[6]!;
      xh[1]! += y * v[7]!;
      fh[0]! += v[12]!;
      fh[1]! += v[13]!;
      fh[2]! += v[14]!;
      fh[3]! += v[15]!;
      return;
    }
    const from = rowStart + lo[last]!;
    const to = rowStart + hi[last]!;
    pixels += to - from + 1;
    const x0 = lo[last]! - centre[last]!;
    const rs = residualSums(f, h, from, to, x0, row);
    sr += rs[0]!;
    xr[last]! += rs[1]!;
    for (let c = 0; c < last; c++) xr[c]! += (index[c]! - centre[c]!) * rs[0]!;
    for (let a = 0; a < ndim; a++) {
      const fa = gradF[a]!;
      const ha = gradH[a]!;
      jr[a]! += 0.5 * productSum(fa, f, h, from, to) + 0.5 * productSum(ha, f, h, from, to);
      gradientSums(fa, from, to, x0, row);
      const sfa = row[0]!;
      const xfa = row[1]!;
      gradientSums(ha, from, to, x0, row);
      const sha = row[0]!;
      const xha = row[1]!;
      sf[a]! += sfa;
      sh[a]! += sha;
      xf[last * ndim + a]! += xfa;
      xh[last * ndim + a]! += xha;
      for (let c = 0; c < last; c++) {
        const y = index[c]! - centre[c]!;
        xf[c * ndim + a]! += y * sfa;
        xh[c * ndim + a]! += y * sha;
      }
      for (let b = 0; b < ndim; b++) fh[a * ndim + b]! += crossSum(fa, gradH[b]!, from, to);
    }
  });
  // Sum of the squared centred coordinate along each axis, over the box.
  const xx = lo.map((l, c) => {
    const n = hi[c]! - l + 1;
    return (pixels * (n * n - 1)) / 12;
  });
  const value = new Float64Array(ndim);
  const jacobian = new Float64Array(ndim * ndim);
  for (let a = 0; a < ndim; a++) {
    let v = jr[a]! - (0.5 * (sf[a]! + sh[a]!) * sr) / pixels;
    for (let c = 0; c < ndim; c++)
      if (xx[c]! > 0) v -= (0.5 * (xf[c * ndim + a]! + xh[c * ndim + a]!) * xr[c]!) / xx[c]!;
    value[a] = v;
    for (let b = 0; b < ndim; b++) {
      let m = fh[a * ndim + b]! - (sf[a]! * sh[b]!) / pixels;
      for (let c = 0; c < ndim; c++) if (xx[c]! > 0) m -= (xf[c * ndim + a]! * xh[c * ndim + b]!) / xx[c]!;
      jacobian[a * ndim + b] = m;
    }
  }
  // The symmetric part (the cross term's expectation is symmetric).
  for (let a = 0; a < ndim; a++)
    for (let b = 0; b < a; b++) {
      const m = 0.5 * (jacobian[a * ndim + b]! + jacobian[b * ndim + a]!);
      jacobian[a * ndim + b] = m;
      jacobian[b * ndim + a] = m;
    }
  return { value, jacobian, pixels };
}

const ROW_SUMS_2D = 16;

/** The two images of a 2D solve and their gradients along y and x. */
interface RowImages2d {
  readonly f: Float64Array;
  readonly h: Float64Array;
  readonly gradF: readonly [Float64Array, Float64Array];
  readonly gradH: readonly [Float64Array, Float64Array];
}

/**
 * The sums of `accumulate` over one row of a 2D box in one pass: r, x r, (Jf_a + Jh_a) r (a = 0,
 * 1), Jf_0, Jf_1, Jh_0, Jh_1, x Jf_0, x Jf_1, x Jh_0, x Jh_1, Jf_0 Jh_0, Jf_0 Jh_1, Jf_1 Jh_0,
 * Jf_1 Jh_1 (x = x0, x0 + 1, ... along the row).
 */
function sumsOfRow2d(
  images: RowImages2d,
  { from, to, x0 }: { readonly from: number; readonly to: number; readonly x0: number },
  out: Float64Array,
): Float64Array {
  const { f, h } = images;
  const [f0, f1] = images.gradF;
  const [h0, h1] = images.gradH;
  let sr = 0;
  let sxr = 0;
  let jr0 = 0;
  let jr1 = 0;
  let sf0 = 0;
  let sf1 = 0;
  let sh0 = 0;
  let sh1 = 0;
  let xf0 = 0;
  let xf1 = 0;
  let xh0 = 0;
  let xh1 = 0;
  let c00 = 0;
  let c01 = 0;
  let c10 = 0;
  let c11 = 0;
  for (let i = from, x = x0; i <= to; i++, x++) {
    const r = f[i]! - h[i]!;
    const a0 = f0[i]!;
    const a1 = f1[i]!;
    const b0 = h0[i]!;
    const b1 = h1[i]!;
    sr += r;
    sxr += x * r;
    jr0 += (a0 + b0) * r;
    jr1 += (a1 + b1) * r;
    sf0 += a0;
    sf1 += a1;
    sh0 += b0;
    sh1 += b1;
    xf0 += x * a0;
    xf1 += x * a1;
    xh0 += x * b0;
    xh1 += x * b1;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c10 += a1 * b0;
    c11 += a1 * b1;
  }
  out[0] = sr;
  out[1] = sxr;
  out[2] = jr0;
  out[3] = jr1;
  out[4] = sf0;
  out[5] = sf1;
  out[6] = sh0;
  out[7] = sh1;
  out[8] = xf0;
  out[9] = xf1;
  out[10] = xh0;
  out[11] = xh1;
  out[12] = c00;
  out[13] = c01;
  out[14] = c10;
  out[15] = c11;
  return out;
}

/** Over [from, to]: sum of r = f - h, and of x r with x = x0, x0 + 1, ... (into out[0], out[1]). */
function residualSums(
  f: Float64Array,
  h: Float64Array,
  from: number,
  to: number,
  x0: number,
  out: Float64Array,
): Float64Array {
  let s = 0;
  let sx = 0;
  for (let i = from, x = x0; i <= to; i++, x++) {
    const r = f[i]! - h[i]!;
    s += r;
    sx += x * r;
  }
  out[0] = s;
  out[1] = sx;
  return out;
}

/** Over [from, to]: sum of g, and of x g with x = x0, x0 + 1, ... (into out[0], out[1]). */
function gradientSums(
  g: Float64Array,
  from: number,
  to: number,
  x0: number,
  out: Float64Array,
): Float64Array {
  let s = 0;
  let sx = 0;
  for (let i = from, x = x0; i <= to; i++, x++) {
    s += g[i]!;
    sx += x * g[i]!;
  }
  out[0] = s;
  out[1] = sx;
  return out;
}

/** Over [from, to]: sum of g (f - h). */
function productSum(g: Float64Array, f: Float64Array, h: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i <= to; i++) s += g[i]! * (f[i]! - h[i]!);
  return s;
}

/** Over [from, to]: sum of a b. */
function crossSum(a: Float64Array, b: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i <= to; i++) s += a[i]! * b[i]!;
  return s;
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

/** Calls `body(axis, length, inner)` for every axis, `inner` the product of the later axes' lengths. */
function forEachAxis(shape: readonly number[], body: (axis: number, n: number, inner: number) => void): void {
  let inner = shape.reduce((p, n) => p * n, 1);
  shape.forEach((n, axis) => {
    inner /= n;
    body(axis, n, inner);
  });
}

/**
 * Calls `body(flat index of the row's first pixel, the row's leading indices)` for every row (last
 * axis) of the box.
 */
function forEachRow(
  shape: readonly number[],
  box: Box,
  body: (rowStart: number, index: readonly number[]) => void,
): void {
  const ndim = shape.length;
  const n = shape[ndim - 1]!;
  if (ndim === 1) {
    body(0, []);
    return;
  }
  const index = box.lo.slice(0, -1);
  for (;;) {
    let row = 0;
    for (let a = 0; a < ndim - 1; a++) row = row * shape[a]! + index[a]!;
    body(row * n, index);
    let a = ndim - 2;
    while (a >= 0 && index[a] === box.hi[a]) {
      index[a] = box.lo[a]!;
      a--;
    }
    if (a < 0) return;
    index[a]!++;
  }
}

/**
 * In place along one axis (length n, stride `inner`), periodic: out[k] = sum_j w[j] in[k + first + j].
 */
function convolveAxis(
  data: Float64Array,
  { n, inner }: { readonly n: number; readonly inner: number },
  { weights, first }: { readonly weights: Float64Array; readonly first: number },
  { scratch, line }: { readonly scratch: Float64Array; readonly line: Float64Array },
): void {
  const taps = weights.length;
  const offset = ((first % n) + n) % n;
  if (inner === 1) {
    for (let base = 0; base < data.length; base += n) convolveRow(data, base, n, weights, offset, line);
    return;
  }
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const dst = base + k * inner;
      let row = (offset + k) % n;
      scaleLine(data, base + row * inner, scratch, dst, inner, weights[0]!);
      for (let j = 1; j < taps; j++) {
        row = row + 1 === n ? 0 : row + 1;
        addLine(data, base + row * inner, scratch, dst, inner, weights[j]!);
      }
    }
    data.set(scratch.subarray(base, base + n * inner), base);
  }
}

function scaleLine(
  src: Float64Array,
  from: number,
  dst: Float64Array,
  to: number,
  count: number,
  w: number,
): void {
  for (let t = 0; t < count; t++) dst[to + t] = w * src[from + t]!;
}

function addLine(
  src: Float64Array,
  from: number,
  dst: Float64Array,
  to: number,
  count: number,
  w: number,
): void {
  for (let t = 0; t < count; t++) dst[to + t]! += w * src[from + t]!;
}

/** One contiguous row of `convolveAxis`, through `line` (the row from `offset`, periodic). */
function convolveRow(
  data: Float64Array,
  base: number,
  n: number,
  weights: Float64Array,
  offset: number,
  line: Float64Array,
): void {
  const taps = weights.length;
  let src = offset;
  for (let k = 0; k < n + taps - 1; k++) {
    line[k] = data[base + src]!;
    src = src + 1 === n ? 0 : src + 1;
  }
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) sum += weights[j]! * line[k + j]!;
    data[base + k] = sum;
  }
}

/** The periodic cubic B-spline prefilter along one axis, in place. */
function prefilterAxis(data: Float64Array, n: number, inner: number): void {
  const acc = new Float64Array(inner);
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    splinePrefilter(data.subarray(o * n * inner, (o + 1) * n * inner), n, inner, 'wrap', acc);
  }
}

/** Central differences along `axis`, periodic (into `out` when given). */
function gradient(
  data: Float64Array,
  shape: readonly number[],
  axis: number,
  out: Float64Array,
): Float64Array {
  const n = shape[axis]!;
  if (n < 3) {
    out.fill(0);
    return out;
  }
  const inner = shape.slice(axis + 1).reduce((p, m) => p * m, 1);
  const outer = data.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const up = base + ((k + 1) % n) * inner;
      const down = base + ((k + n - 1) % n) * inner;
      const at = base + k * inner;
      for (let t = 0; t < inner; t++) out[at + t] = 0.5 * (data[up + t]! - data[down + t]!);
    }
  }
  return out;
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
