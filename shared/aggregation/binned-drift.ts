import { interpolateTrajectory, type TrajectoryInterpolation } from './interpolate-trajectory.js';
import {
  redundantCrossCorrelation,
  type PairShift,
  type RedundantCrossCorrelationResult,
} from './redundant-cross-correlation.js';

/** A time bin of a series: frames `start` to `end - 1` (summed or rendered together). */
export interface TimeBin {
  readonly start: number;
  readonly end: number;
}

export interface BinnedDriftOptions {
  /** The time (frame) at which the drift is zero. @default the first bin's start */
  referenceTime?: number;
  /** How the bins' positions are carried onto every time. @default 'cubic' */
  interpolation?: TrajectoryInterpolation;
  /** `redundantCrossCorrelation`'s outlier threshold, pixels. @default 0.5 */
  maxResidual?: number;
}

export interface BinnedDriftResult {
  /**
   * Per time asked for, the drift: where the content is at that time minus where it was at the
   * reference time, pixels, axis order of the pair shifts. It is minus the shift that registers
   * the frame onto the reference.
   */
  drift: number[][];
  /** Per time, the standard error of the drift per axis (the bins' errors interpolated), pixels. */
  errors: number[][];
  /** The bins' centres, ((start + end - 1) / 2), the knots of the interpolation. */
  centres: number[];
  /** Per bin, the drift relative to the first bin (the solved knots), pixels. */
  binDrift: number[][];
  /** The least-squares solve over the bins (shifts onto bin 0, rejected pairs, residuals). */
  solve: RedundantCrossCorrelationResult;
}

/**
 * A series' drift from registered pairs of time bins: solves the bins' positions by weighted
 * least squares (`redundantCrossCorrelation`: outlier pairs dropped while full rank, an error per
 * bin), places each at its bin's centre, interpolates onto `times` and sets the drift to zero at
 * the reference time. With one frame per bin the knots are the frames themselves.
 *
 * @param pairs `phaseCrossCorrelation(bin i, bin j).shift` for bins i and j, pixels
 * @param bins the time bins, in time order
 * @param times where the drift is wanted (e.g. every frame)
 */
export function binnedDrift(
  pairs: readonly PairShift[],
  bins: readonly TimeBin[],
  times: readonly number[],
  options: BinnedDriftOptions = {},
): BinnedDriftResult {
  const { interpolation = 'cubic', maxResidual = 0.5 } = options;
  const referenceTime = options.referenceTime ?? bins[0]?.start ?? 0;
  const solve = redundantCrossCorrelation(pairs, { frames: bins.length, maxResidual });
  const centres = bins.map((b) => (b.start + b.end - 1) / 2);
  const binDrift = solve.shifts.map((s) => s.map((v) => (v === 0 ? 0 : -v)));
  const [origin] = interpolateTrajectory(centres, binDrift, [referenceTime], interpolation);
  const drift = interpolateTrajectory(centres, binDrift, times, interpolation).map((d) =>
    d.map((v, a) => v - origin![a]!),
  );
  const errors = interpolateTrajectory(centres, solve.errors, times, 'linear').map((e) =>
    e.map((v) => Math.max(0, v)),
  );
  return { drift, errors, centres, binDrift, solve };
}
