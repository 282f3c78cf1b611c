import { MetdbError } from '../errors/metdb-error.js';
import { applyMatrix, multiplyMatrices, type Matrix3 } from '../registration/similarity/transform-matrix.js';
import { slowTrend, type SlowTrendOptions } from './slow-trend.js';

/** One step of a stack: the transform of section k onto section k - 1, with its evidence's centroid. */
export interface SectionStep {
  /** Maps points of section k onto section k - 1 (moving -> reference). */
  readonly matrix: Matrix3;
  /** A point (x, y) of section k where the step is well measured (the centroid of its tiles). */
  readonly centroid: readonly [number, number];
}

export interface CumulativeTransformsOptions {
  /**
   * Keep the slow drift of scale and shear out (the toolkit's `preserve_scales` with `fit_params`):
   * the linear part L_k of each cumulative transform becomes L_k - trend(L)_k + I, the trend of
   * each entry along the stack by Savitzky-Golay, a line or a polynomial (`slowTrend`), then the
   * translations are re-derived so that consecutive sections still match at their steps'
   * centroids. With too few sections for the fit, nothing is smoothed.
   * @default none
   */
  smoothing?: SlowTrendOptions;
  /**
   * Subtract a straight line (least squares over the sections) from the x and y translations
   * (the toolkit's `subtract_linear_fit`), after the smoothing; `[x, y]` chooses the axes, `true`
   * is both. @default false
   */
  subtractLinearTrend?: boolean | readonly [boolean, boolean];
}

const identity = (): Matrix3 => [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/**
 * The transform of every section onto section 0 from the section-to-section steps:
 * T_0 = I, T_k = T_(k-1) · step_k (first step k, then T_(k-1)). Errors of the steps accumulate
 * along the stack; `smoothing` and `subtractLinearTrend` remove their slow parts (scale, shear and
 * a steady drift that the sample does not have).
 *
 * @returns n + 1 matrices for n steps
 */
export function cumulativeTransforms(
  steps: readonly SectionStep[],
  options: CumulativeTransformsOptions = {},
): Matrix3[] {
  const cumulative: Matrix3[] = [identity()];
  for (const step of steps)
    cumulative.push(multiplyMatrices(cumulative[cumulative.length - 1]!, step.matrix));
  const n = cumulative.length;
  const { smoothing, subtractLinearTrend = false } = options;
  if (smoothing !== undefined && n > 1) {
    const entries = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const;
    const trends = entries.map(([i, j]) =>
      slowTrend(
        cumulative.map((m) => m[i][j]),
        i === j ? 1 : 0,
        smoothing,
      ),
    );
    if (trends.every((t) => t !== null)) {
      entries.forEach(([i, j], e) =>
        cumulative.forEach((m, k) => (m[i][j] = m[i][j] - trends[e]![k]! + (i === j ? 1 : 0))),
      );
      // Translations re-derived: T_k(c_k) = T_(k-1)(step_k(c_k)) at each step's centroid.
      for (let k = 1; k < n; k++) {
        const step = steps[k - 1]!;
        const [cx, cy] = step.centroid;
        const [px, py] = applyMatrix(step.matrix, cx, cy);
        const [tx, ty] = applyMatrix(cumulative[k - 1]!, px, py);
        const m = cumulative[k]!;
        m[0][2] = tx - m[0][0] * cx - m[0][1] * cy;
        m[1][2] = ty - m[1][0] * cx - m[1][1] * cy;
      }
    }
  }
  const axes =
    typeof subtractLinearTrend === 'boolean'
      ? [subtractLinearTrend, subtractLinearTrend]
      : subtractLinearTrend;
  if (axes.length !== 2) {
    throw new MetdbError('invalid-argument', 'cumulativeTransforms: subtractLinearTrend is [x, y]');
  }
  if (n > 1) {
    for (const row of [0, 1] as const) {
      if (!axes[row]) continue;
      const values = cumulative.map((m) => m[row][2]);
      const meanK = (n - 1) / 2;
      const meanV = values.reduce((s, v) => s + v, 0) / n;
      let sxy = 0;
      let sxx = 0;
      values.forEach((v, k) => {
        sxy += (k - meanK) * (v - meanV);
        sxx += (k - meanK) ** 2;
      });
      const slope = sxy / sxx;
      cumulative.forEach((m, k) => (m[row][2] = values[k]! - (meanV + slope * (k - meanK))));
    }
  }
  return cumulative;
}
