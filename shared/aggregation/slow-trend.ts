import { MetdbError } from '../errors/metdb-error.js';
import { savitzkyGolay } from './savitzky-golay.js';
import { solveSpd } from './solve-spd.js';

/** How the slow trend of a value along a stack is found (the FIB-SEM toolkit's `fit_params`). */
export interface SlowTrendOptions {
  /**
   * `savitzky-golay` (the toolkit's ['SG', window, order]): a moving local polynomial;
   * `linear` (['LF']): a straight line through `start` at section 0;
   * `polynomial` (['PF', order]): one least-squares polynomial over the whole stack.
   * @default 'savitzky-golay'
   */
  fit?: 'savitzky-golay' | 'linear' | 'polynomial';
  /** Savitzky-Golay window, sections (made odd and capped at the stack). @default 101 */
  window?: number;
  /** Polynomial order: Savitzky-Golay's (default 3) or the polynomial's (default 2). */
  order?: number;
}

/**
 * The slow trend of `values` (one per section) for `cumulativeTransforms`' scale and shear
 * smoothing, as the toolkit's `find_fit`: Savitzky-Golay (scipy's `savgol_filter`, mode 'interp'),
 * a line forced through `start` at index 0, or `numpy.polyfit` of the given order.
 *
 * @param start the value at section 0 that the linear fit goes through (1 on the diagonal, 0 off it)
 * @returns the trend, or null when there are too few sections to fit one
 */
export function slowTrend(
  values: readonly number[],
  start: number,
  options: SlowTrendOptions = {},
): Float64Array | null {
  const { fit = 'savitzky-golay' } = options;
  const n = values.length;
  if (fit === 'linear') {
    if (n < 2) return null;
    let num = 0;
    let den = 0;
    values.forEach((v, k) => {
      num += k * (v - start);
      den += k * k;
    });
    const slope = num / den;
    return Float64Array.from(values, (_, k) => start + slope * k);
  }
  const order = options.order ?? (fit === 'polynomial' ? 2 : 3);
  if (!Number.isInteger(order) || order < 0) {
    throw new MetdbError('invalid-argument', `slowTrend: bad order ${order}`);
  }
  if (fit === 'polynomial') return n > order ? polynomialFit(values, order) : null;
  const requested = options.window ?? 101;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new MetdbError('invalid-argument', `slowTrend: bad window ${requested}`);
  }
  const window = Math.min(requested % 2 === 1 ? requested : requested - 1, n % 2 === 1 ? n : n - 1);
  return window > order ? savitzkyGolay(values, { window, order }) : null;
}

/** Least-squares polynomial of degree `order` through (k, values[k]), evaluated at every k. */
function polynomialFit(values: readonly number[], order: number): Float64Array {
  const n = values.length;
  const m = order + 1;
  // Abscissae mapped to [-1, 1] keep the normal equations well conditioned.
  const t = (k: number) => (n === 1 ? 0 : (2 * k) / (n - 1) - 1);
  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const powers = Array.from({ length: m }, (_, p) => t(k) ** p);
    for (let i = 0; i < m; i++) {
      b[i] = b[i]! + powers[i]! * values[k]!;
      for (let j = 0; j < m; j++) a[i * m + j] = a[i * m + j]! + powers[i]! * powers[j]!;
    }
  }
  const solved = solveSpd(a, m, [b]);
  if (solved === null)
    throw new MetdbError('invalid-argument', `slowTrend: polynomial of order ${order} is singular`);
  const c = solved[0]!;
  return Float64Array.from(values, (_, k) => {
    let v = 0;
    for (let p = m - 1; p >= 0; p--) v = v * t(k) + c[p]!;
    return v;
  });
}
