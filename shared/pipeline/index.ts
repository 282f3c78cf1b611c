/** The use cases of the event pipeline, written against ports only (see pipeline-deps.ts). */
export * from './pipeline-deps.js';
export * from './dataset-settings.js';
export { datasetReference } from './dataset-reference.js';
export { DecodedImageCache, decodedImages, type DecodedImageCacheOptions } from './decoded-image-cache.js';
export {
  ingestUpload,
  datasetFolderOf,
  CANONICAL_PREFIX,
  UNSORTED_DATASET,
  type IngestResult,
} from './ingest-upload.js';
export { planNewImage } from './plan-new-image.js';
export { paramsHash } from './params-hash.js';
export {
  planRegistration,
  shapeOf,
  type PlanRegistrationInput,
  type PlanRegistrationResult,
} from './plan-registration.js';
export { measureTile, type TileStores } from './measure-tile.js';
export {
  recordMeasuredTiles,
  registerTileFromMessage,
  registerTileParams,
  type RegisterTileResult,
  type TileSettlement,
} from './register-tile-from-message.js';
export { aggregateJob, type AggregateJobResult } from './aggregate-job.js';
export { reprocessDataset, type ReprocessResult } from './reprocess-dataset.js';
