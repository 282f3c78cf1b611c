/**
 * Aggregation (pure, no IO): one shift per image from its tiles' shifts, quality figures, and
 * drift over a series. Shifts follow `phaseCrossCorrelation`: pixels, axis order (z,) y, x, the
 * shift that registers moving onto reference.
 */
export { bandedCholesky, inverseDiagonal, solveBanded, type BandedCholesky } from './banded-cholesky.js';
export {
  binnedDrift,
  type BinnedDriftOptions,
  type BinnedDriftResult,
  type TimeBin,
} from './binned-drift.js';
export { interpolateTrajectory, type TrajectoryInterpolation } from './interpolate-trajectory.js';
export { seriesDrift, type SeriesDriftOptions, type SeriesDriftResult } from './series-drift.js';
export { seriesPairs, SERIES_MODES, type SeriesMode } from './series-pairs.js';
export { driftTrajectory, type DriftPoint, type FrameShift } from './drift-trajectory.js';
export { normalizedCrossCorrelation, type NormalizedCrossCorrelationOptions } from './ncc.js';
export {
  redundantCrossCorrelation,
  type PairShift,
  type RedundantCrossCorrelationOptions,
  type RedundantCrossCorrelationResult,
} from './redundant-cross-correlation.js';
export {
  aggregateTileShifts,
  type AggregatedShift,
  type AggregateTileShiftsOptions,
  type TileShift,
} from './robust-shift.js';
export {
  cumulativeTransforms,
  type CumulativeTransformsOptions,
  type SectionStep,
} from './cumulative-transforms.js';
export { savitzkyGolay, type SavitzkyGolayOptions } from './savitzky-golay.js';
export { slowTrend, type SlowTrendOptions } from './slow-trend.js';
export {
  fitSectionTransform,
  type FitSectionTransformOptions,
  type SectionModel,
  type SectionTransform,
} from './section-transform.js';
export { solveSpd } from './solve-spd.js';
export { weightedMedian } from './weighted-median.js';
