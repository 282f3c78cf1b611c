import { MetdbError } from '../errors/metdb-error.js';
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
  /**
   * The least-squares solve over the bins (shifts onto bin 0, rejected pairs, residuals per input
   * pair); a bridged bin's shift is its interpolated position and its error NaN.
   */
  solve: RedundantCrossCorrelationResult;
  /**
   * Bins no usable pair (positive weight) connects to the solved ones, ascending: their positions
   * are interpolated from the solved bins' (the trajectory bridges them), they are not measured.
   */
  bridged: number[];
}

/**
 * A series' drift from registered pairs of time bins: solves the bins' positions by weighted
 * least squares (`redundantCrossCorrelation`: outlier pairs dropped while full rank, an error per
 * bin), places each at its bin's centre, interpolates onto `times` and sets the drift to zero at
 * the reference time. With one frame per bin the knots are the frames themselves. Bins that no
 * usable pair connects to the others (a frame whose pairs all failed) are bridged: interpolated
 * from the solved bins and listed in `bridged`, never left without a position.
 *
 * @param pairs `phaseCrossCorrelation(bin i, bin j).shift` for bins i and j, pixels
 * @param bins the time bins, in time order
 * @param times where the drift is wanted (e.g. every frame)
 * @throws MetdbError 'insufficient-data' when no pair connects any two bins
 */
export function binnedDrift(
  pairs: readonly PairShift[],
  bins: readonly TimeBin[],
  times: readonly number[],
  options: BinnedDriftOptions = {},
): BinnedDriftResult {
  const { interpolation = 'cubic', maxResidual = 0.5 } = options;
  const referenceTime = options.referenceTime ?? bins[0]?.start ?? 0;
  const centres = bins.map((b) => (b.start + b.end - 1) / 2);
  const referenceBin = Math.max(
    0,
    bins.findIndex((b) => referenceTime >= b.start && referenceTime < b.end),
  );
  // Bins the usable pairs leave unconnected are bridged, not solved: the largest connected group
  // (the reference's on a tie) is solved, the others interpolated from it.
  const solvedBins = largestGroup(pairs, bins.length, referenceBin);
  if (solvedBins.length < Math.min(2, bins.length)) {
    throw new MetdbError('insufficient-data', 'binnedDrift: no pair of time bins was registered', {
      details: { bins: bins.length, pairs: pairs.length },
    });
  }
  const index = new Map(solvedBins.map((b, k) => [b, k]));
  const kept = pairs.flatMap((p, k) => (index.has(p.i) && index.has(p.j) ? [k] : []));
  const sub = redundantCrossCorrelation(
    kept.map((k) => ({ ...pairs[k]!, i: index.get(pairs[k]!.i)!, j: index.get(pairs[k]!.j)! })),
    { frames: solvedBins.length, maxResidual },
  );
  const knots = solvedBins.map((b) => centres[b]!);
  const knotDrift = sub.shifts.map((s) => s.map((v) => (v === 0 ? 0 : -v)));
  const along = (at: readonly number[]) => interpolateTrajectory(knots, knotDrift, at, interpolation);
  const [first] = along([centres[0]!]);
  const binDrift = along(centres).map((d) => d.map((v, a) => v - first![a]! + 0));
  const [origin] = along([referenceTime]);
  const drift = along(times).map((d) => d.map((v, a) => v - origin![a]!));
  const bridged = bins.flatMap((_, b) => (index.has(b) ? [] : [b]));
  const binErrors = bins.map((_, b) => {
    const k = index.get(b);
    return k === undefined ? sub.errors[0]!.map(() => Number.NaN) : sub.errors[k]!;
  });
  const shifts = binDrift.map((d) => d.map((v) => (v === 0 ? 0 : -v)));
  const solve: RedundantCrossCorrelationResult = {
    shifts,
    errors: binErrors,
    rejected: sub.rejected.map((k) => kept[k]!),
    residuals: pairs.map((p) => p.shift.map((d, a) => d - (shifts[p.j]![a]! - shifts[p.i]![a]!))),
    rms: sub.rms,
  };
  const errorKnots = centres.flatMap((c, b) => (index.has(b) ? [c] : []));
  const errors = interpolateTrajectory(errorKnots, sub.errors, times, 'linear').map((e, t) =>
    inBridged(times[t]!, bins, bridged) ? e.map(() => Number.NaN) : e.map((v) => Math.max(0, v)),
  );
  return { drift, errors, centres, binDrift, solve, bridged };
}

/** The bins of the largest group connected by pairs of positive weight (the reference's on a tie), ascending. */
function largestGroup(pairs: readonly PairShift[], bins: number, reference: number): number[] {
  const parent = Array.from({ length: bins }, (_, b) => b);
  const root = (b: number): number => (parent[b] === b ? b : (parent[b] = root(parent[b]!)));
  for (const p of pairs) if ((p.weight ?? 1) > 0) parent[root(p.i)] = root(p.j);
  const size = new Map<number, number>();
  for (let b = 0; b < bins; b++) size.set(root(b), (size.get(root(b)) ?? 0) + 1);
  let best = root(reference);
  for (const [r, n] of size) if (n > size.get(best)!) best = r;
  return Array.from({ length: bins }, (_, b) => b).filter((b) => root(b) === best);
}

function inBridged(time: number, bins: readonly TimeBin[], bridged: readonly number[]): boolean {
  return bridged.some((b) => time >= bins[b]!.start && time < bins[b]!.end);
}
