/**
 * Stack conversions for output (pure): 8-bit conversion with cumulative-histogram thresholds,
 * globally or sliding over the sections, and z binning, as the FIB-SEM registration toolkit does.
 */
export { binSections, type BinSectionsOptions } from './bin-sections.js';
export { convertToUint8, type ConvertToUint8Options, type Uint8Conversion } from './convert-to-uint8.js';
export { equalWidthBins, type EqualWidthBins } from './equal-width-bins.js';
export { intensityRange, type IntensityRangeOptions } from './intensity-range.js';
