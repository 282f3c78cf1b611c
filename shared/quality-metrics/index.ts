/**
 * Registration and image quality metrics (pure, no IO): pixel values in, numbers out. Images are
 * NdArrays, axis order (z,) y, x; frequencies are in cycles per pixel. See docs/quality-metrics.md.
 */
export { commonBox, cropToBox, parseEvaluationBox, type EvaluationBox } from './evaluation-box.js';
export {
  fourierRingCorrelation,
  FRC_WINDOW,
  type FourierRingCorrelation,
  type FourierRingCorrelationOptions,
} from './fourier-ring-correlation.js';
export { FIXED_THRESHOLD, frcCrossing, halfBitThreshold, type FrcCrossing } from './frc-threshold.js';
export {
  mutualInformation,
  type MutualInformation,
  type MutualInformationOptions,
} from './mutual-information.js';
export { normalizedSumOfAbsoluteDifferences } from './nsad.js';
export {
  pairQuality,
  type FrcCutoff,
  type PairQuality,
  type PairQualityOptions,
  type PhysicalLength,
} from './pair-quality.js';
export {
  sectionQuality,
  type ColumnSummary,
  type SectionQuality,
  type SectionQualityTable,
} from './section-quality.js';
export { singleImageSnr, type SingleImageSnr, type SingleImageSnrOptions } from './single-image-snr.js';
export { snrFromCorrelation } from './two-image-snr.js';
export { SECTION_QUALITY_COLUMNS, sectionQualityCsv, sectionQualityJson } from './section-quality-csv.js';
