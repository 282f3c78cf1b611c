/**
 * Met-db's library API: the registration engine, image input/output and the records layer.
 * The pipeline use cases and the adapters are exported from their own modules.
 */
export * from './registration/index.js';
export * from './ndarray/ndarray.js';
export * from './imaging/index.js';
export { MetdbError, isMetdbError } from './errors/metdb-error.js';
export type { ErrorCode, ErrorKind } from './errors/metdb-error.js';
export * as records from './records/index.js';
export * from './tiling/index.js';
export * from './aggregation/index.js';
export * from './localisations/index.js';
export * from './drift/index.js';
export * from './quality-metrics/index.js';
export * from './stack-conversion/index.js';
export * from './series/index.js';
export * from './stitching/index.js';
