import { MetdbError } from '../errors/metdb-error.js';

export type TrajectoryInterpolation = 'linear' | 'cubic';

/**
 * Interpolates a trajectory known at some times (e.g. the centres of time bins) onto other times
 * (every frame), axis by axis: `linear` joins the knots by straight lines; `cubic` is the natural
 * cubic spline through them (second derivative 0 at the ends), smooth for smooth drifts. Outside
 * the knots both continue along the end segment's slope (a spline's cubic end would swing away).
 * One knot gives a constant; with two, `cubic` is linear.
 *
 * @param times knot times, strictly increasing
 * @param values per knot, one value per axis
 * @param at the times to evaluate, any order
 * @returns per time of `at`, one value per axis
 * @throws MetdbError 'invalid-argument' when the times are not strictly increasing and finite, or
 *   the values' lengths differ
 */
export function interpolateTrajectory(
  times: readonly number[],
  values: readonly (readonly number[])[],
  at: readonly number[],
  method: TrajectoryInterpolation = 'linear',
): number[][] {
  const n = times.length;
  const ndim = values[0]?.length ?? 0;
  if (n === 0 || values.length !== n || values.some((v) => v.length !== ndim)) {
    throw new MetdbError('invalid-argument', 'interpolateTrajectory: one value per knot, all of one length');
  }
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(times[k]!) || (k > 0 && !(times[k]! > times[k - 1]!))) {
      throw new MetdbError('invalid-argument', 'interpolateTrajectory: knot times must increase strictly', {
        details: { index: k, time: times[k] },
      });
    }
  }
  const curvature = Array.from({ length: ndim }, (_, a) =>
    method === 'cubic' && n > 2
      ? naturalSplineCurvature(
          times,
          values.map((v) => v[a]!),
        )
      : null,
  );
  return at.map((t) => {
    if (n === 1) return [...values[0]!];
    // The segment [k, k + 1] holding t, the end segments for times outside.
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const h = times[hi]! - times[lo]!;
    const u = (t - times[lo]!) / h;
    const inside = u >= 0 && u <= 1;
    return values[0]!.map((_, a) => {
      const y0 = values[lo]![a]!;
      const y1 = values[hi]![a]!;
      const m = curvature[a];
      if (m === null || m === undefined) return y0 + u * (y1 - y0);
      const m0 = m[lo]!;
      const m1 = m[hi]!;
      if (inside) {
        return (1 - u) * y0 + u * y1 + ((h * h) / 6) * (((1 - u) ** 3 - (1 - u)) * m0 + (u ** 3 - u) * m1);
      }
      // Slope of the spline at the end it leaves from (the end's curvature is 0).
      const slope = (y1 - y0) / h + (u < 0 ? (-h * (2 * m0 + m1)) / 6 : (h * (m0 + 2 * m1)) / 6);
      return u < 0 ? y0 + slope * (t - times[lo]!) : y1 + slope * (t - times[hi]!);
    });
  });
}

/** Second derivatives of the natural cubic spline at the knots (tridiagonal solve, Thomas). */
function naturalSplineCurvature(times: readonly number[], y: readonly number[]): Float64Array {
  const n = times.length;
  const m = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = times[i]! - times[i - 1]!;
    const h1 = times[i + 1]! - times[i]!;
    const diag = 2 * (h0 + h1);
    const rhs = 6 * ((y[i + 1]! - y[i]!) / h1 - (y[i]! - y[i - 1]!) / h0);
    const denom = diag - h0 * c[i - 1]!;
    c[i] = h1 / denom;
    d[i] = (rhs - h0 * d[i - 1]!) / denom;
  }
  for (let i = n - 2; i >= 1; i--) m[i] = d[i]! - c[i]! * m[i + 1]!;
  return m;
}
