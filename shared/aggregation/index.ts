/**
 * Aggregation (pure, no IO): one shift per image from its tiles' shifts, quality figures, and
 * drift over a series. Shifts follow `phaseCrossCorrelation`: pixels, axis order (z,) y, x, the
 * shift that registers moving onto reference.
 */
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
export { savitzkyGolay, type SavitzkyGolayOptions } from './savitzky-golay.js';
export { solveSpd } from './solve-spd.js';
export { weightedMedian } from './weighted-median.js';
