import { MetdbError } from '../errors/metdb-error.js';
import { solveSpd } from './solve-spd.js';

export interface SavitzkyGolayOptions {
  /** Points in the moving window, odd, at most the length of the series. */
  window: number;
  /** Degree of the local polynomial, less than `window`. */
  order: number;
}

/**
 * Savitzky-Golay smoothing, as `scipy.signal.savgol_filter(values, window, order, mode='interp')`:
 * each point becomes the value at its position of the least-squares polynomial of degree `order`
 * through the `window` points centred on it; in the first and last window / 2 points, of the
 * polynomial through the first (last) `window` points. A polynomial of degree <= order passes
 * unchanged. (Savitzky and Golay, Anal. Chem. 36, 1627-1639, 1964.)
 *
 * @throws MetdbError 'invalid-argument' for an even window, window > length or order >= window
 */
export function savitzkyGolay(values: ArrayLike<number>, options: SavitzkyGolayOptions): Float64Array {
  const { window, order } = options;
  const n = values.length;
  if (
    !Number.isInteger(window) ||
    window % 2 !== 1 ||
    window > n ||
    !Number.isInteger(order) ||
    order < 0 ||
    order >= window
  ) {
    throw new MetdbError(
      'invalid-argument',
      `savitzkyGolay: window must be odd and at most the ${n} points, order below the window; got window ${window}, order ${order}`,
    );
  }
  if (window === 1) return Float64Array.from(values);
  const half = (window - 1) / 2;
  const out = new Float64Array(n);
  // Interior: one set of weights, the fit's value at the centre of the window.
  const centre = fitWeights(window, order, [half])[0]!;
  for (let i = half; i < n - half; i++) {
    let s = 0;
    for (let k = 0; k < window; k++) s += centre[k]! * values[i - half + k]!;
    out[i] = s;
  }
  // Edges: the polynomial through the first (last) window points, evaluated at their positions.
  const positions = Array.from({ length: half }, (_, k) => k);
  const head = fitWeights(window, order, positions);
  const tail = fitWeights(
    window,
    order,
    positions.map((k) => window - half + k),
  );
  for (let j = 0; j < half; j++) {
    let s = 0;
    let t = 0;
    for (let k = 0; k < window; k++) {
      s += head[j]![k]! * values[k]!;
      t += tail[j]![k]! * values[n - window + k]!;
    }
    out[j] = s;
    out[n - half + j] = t;
  }
  return out;
}

/**
 * For each position p, the weights w such that sum w_k y_k is the least-squares polynomial of
 * degree `order` through (k, y_k), k = 0 .. window - 1, evaluated at p. Positions are scaled to
 * [-1, 1] to keep the normal equations well conditioned.
 */
function fitWeights(window: number, order: number, positions: readonly number[]): Float64Array[] {
  const m = order + 1;
  const scale = (window - 1) / 2;
  const t = (k: number): number => (k - scale) / scale;
  const normal = new Float64Array(m * m);
  for (let k = 0; k < window; k++) {
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) normal[i * m + j]! += t(k) ** (i + j);
  }
  // Weights = V (V^T V)^-1 e(p), with V the window's Vandermonde matrix and e(p) the powers of p.
  const solved = solveSpd(
    normal,
    m,
    positions.map((p) => Float64Array.from({ length: m }, (_, i) => t(p) ** i)),
  );
  if (solved === null)
    throw new MetdbError(
      'invalid-argument',
      `savitzkyGolay: singular fit (window ${window}, order ${order})`,
    );
  return solved.map((c) =>
    Float64Array.from({ length: window }, (_, k) => {
      let w = 0;
      for (let i = 0; i < m; i++) w += c[i]! * t(k) ** i;
      return w;
    }),
  );
}
