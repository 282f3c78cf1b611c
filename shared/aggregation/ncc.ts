import { MetdbError } from '../errors/metdb-error.js';
import { stridesOf, type NdArray } from '../imaging/ndarray.js';

export interface NormalizedCrossCorrelationOptions {
  /**
   * Shift applied to `b` before comparing, pixels, axis order (z,) y, x, with the sign convention
   * of `phaseCrossCorrelation`: `b` shifted by `shift` is compared with `a`, i.e. a(p) with
   * b(p - shift). Fractional shifts use multilinear interpolation.
   * @default zeros (NCC "before" registration)
   */
  shift?: readonly number[];
  /**
   * true: only positions where the shifted `b` has data (the valid overlap, no wrapped borders).
   * false: `b` is treated as periodic (as `fourierShift` would shift it), every pixel counts.
   * @default true
   */
  overlapOnly?: boolean;
}

/**
 * Zero-normalised cross-correlation (Pearson correlation of the pixel values), in [-1, 1], of `a`
 * and `b` shifted by `shift`: sum (a - mean a)(b' - mean b') / sqrt(sum (a - mean a)^2 sum (b' -
 * mean b')^2), the means taken over the compared pixels. 1 for identical content up to gain and
 * offset, about 0 for unrelated images.
 *
 * Returns NaN when fewer than 2 pixels overlap or either side is constant there.
 *
 * @param a reference pixels, axis order (z,) y, x
 * @param b moving pixels, same shape as `a`
 * @throws MetdbError 'shape-mismatch' when the shapes differ, 'invalid-argument' for a bad shift
 */
export function normalizedCrossCorrelation(
  a: NdArray,
  b: NdArray,
  options: NormalizedCrossCorrelationOptions = {},
): number {
  const { shape } = a;
  const ndim = shape.length;
  if (b.shape.length !== ndim || b.shape.some((n, k) => n !== shape[k])) {
    throw new MetdbError(
      'shape-mismatch',
      `normalizedCrossCorrelation: shapes [${shape.join(', ')}] and [${b.shape.join(', ')}] differ`,
      { details: { a: [...shape], b: [...b.shape] } },
    );
  }
  const shift = options.shift ?? new Array<number>(ndim).fill(0);
  const overlapOnly = options.overlapOnly ?? true;
  if (shift.length !== ndim || shift.some((s) => !Number.isFinite(s))) {
    throw new MetdbError(
      'invalid-argument',
      `normalizedCrossCorrelation: shift must have ${ndim} finite values, got [${shift.join(', ')}]`,
    );
  }
  // b'(p) = b(p - shift) = sum over corners c of w_c b(p + k + c), k = floor(-shift), f = frac.
  const k = shift.map((s) => Math.floor(-s));
  const f = shift.map((s, i) => -s - k[i]!);
  // Valid box for p along each axis: 0 <= p + k and p + k + (f > 0 ? 1 : 0) <= n - 1.
  const lo = k.map((ki) => (overlapOnly ? Math.max(0, -ki) : 0));
  const hi = shape.map((n, i) => (overlapOnly ? Math.min(n, n - k[i]! - (f[i]! > 0 ? 1 : 0)) : n));
  if (lo.some((l, i) => hi[i]! - l < 1)) return Number.NaN;
  const count = lo.reduce((p, l, i) => p * (hi[i]! - l), 1);
  if (count < 2) return Number.NaN;
  const strides = stridesOf(shape);
  const corners = 1 << ndim;
  const av = new Float64Array(count);
  const bv = new Float64Array(count);
  const p = [...lo];
  for (let j = 0; j < count; j++) {
    let ai = 0;
    for (let i = 0; i < ndim; i++) ai += p[i]! * strides[i]!;
    av[j] = a.data[ai]!;
    let sum = 0;
    for (let c = 0; c < corners; c++) {
      let w = 1;
      let bi = 0;
      for (let i = 0; i < ndim; i++) {
        const up = (c >> (ndim - 1 - i)) & 1;
        const fi = f[i]!;
        if (up === 1 && fi === 0) {
          w = 0;
          break;
        }
        w *= up === 1 ? fi : 1 - fi;
        const n = shape[i]!;
        let q = p[i]! + k[i]! + up;
        if (!overlapOnly) q = ((q % n) + n) % n;
        bi += q * strides[i]!;
      }
      if (w !== 0) sum += w * b.data[bi]!;
    }
    bv[j] = sum;
    for (let i = ndim - 1; i >= 0; i--) {
      if (++p[i]! < hi[i]!) break;
      p[i] = lo[i]!;
    }
  }
  return pearson(av, bv);
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}
