export { phaseCrossCorrelation } from './phase-cross-correlation.js';
export type { PhaseCrossCorrelationOptions, PhaseCrossCorrelationResult } from './phase-cross-correlation.js';
export { fourierShift } from './fourier-shift.js';
export { fftn, ifftn } from './fourier-transform.js';
export type { ComplexNdArray } from './complex-ndarray.js';
export { isComplexNdArray } from './complex-ndarray.js';
export { interpolatedShift } from './interpolated-shift.js';
export type { ShiftMode } from './interpolated-shift.js';
export * from './preprocess/index.js';
