import { forEachRow, type Box } from './grid-filter.js';

/** The two images of a direct shift solve (`refineShiftDirect`) and their buffers. */
export interface Images {
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

/**
 * Over the box: F = sum((Jf + Jh) / 2 (f - h)) and the Jacobian's estimate sym(sum Jf Jh^T), both
 * with an offset and a linear ramp of the intensities profiled out (the gradients and the
 * residual projected off the box's constant and coordinate functions, which are orthogonal on a
 * box once centred): a background that stays where it is while the content moves (uneven
 * illumination, a camera's offset), the same in both images, would otherwise pull the shift
 * towards zero; a linear one leaves the residual an offset plus a ramp.
 */
export function accumulate(
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
