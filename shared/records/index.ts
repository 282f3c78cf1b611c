/** Records: the database layer (schema types, configuration, migrations, repositories). */
export * from './database-schema.js';
export { newId, isId, idTime } from './new-id.js';
export { canonicalImagePath, extensionOf } from './canonical-image-path.js';
export {
  databaseConfigFromEnv,
  parseDatabaseTarget,
  databaseConfigKey,
  describeDatabase,
  DEFAULT_SQLITE_PATH,
  DEFAULT_POOL_SIZE,
  type DatabaseConfig,
  type CloudSqlIpType,
} from '../adapters/database-config.js';
export {
  openDatabase,
  connectDatabase,
  closeAllDatabases,
  type DatabaseHandle,
  type OpenDatabaseOptions,
} from '../adapters/open-database.js';
export { sqlDialectOf, type SqlDialect } from './sql-dialect-of.js';
export {
  isLockConflict,
  isTransientDatabaseError,
  toDatabaseError,
  withLockRetry,
  type RetryOptions,
} from './database-error.js';
export {
  codeMigrationProvider,
  migrateToLatest,
  migrateDown,
  migrateTo,
  migrationStatus,
  type MigrationOutcome,
  type MigrateOptions,
  type MigrateDownOptions,
} from './migrate.js';
export { validateRow, INT32_MAX, JSON_MAX_BYTES } from './validate-row.js';
export {
  getOrCreateDataset,
  getDataset,
  getDatasetByName,
  listDatasets,
  updateDataset,
  type NewDataset,
  type DatasetPatch,
} from './datasets-repository.js';
export {
  imageSourceKey,
  insertImageOrGet,
  getImage,
  getImageBySource,
  getImageByContentHash,
  listImages,
  updateImage,
  type NewImage,
  type ImagePatch,
  type InsertImageOutcome,
} from './images-repository.js';
export {
  createJobVersion,
  getJob,
  listJobs,
  latestJobFor,
  startJob,
  markJobState,
  type NewJob,
  type MarkJobStateOptions,
} from './jobs-repository.js';
export {
  recordTileResult,
  recordTileResults,
  type NewTileResult,
  type RecordTileOutcome,
} from './record-tile-result.js';
export { listTileResults, getTileResult } from './tile-results-repository.js';
export {
  upsertRegistration,
  getRegistration,
  listRegistrationsForImage,
  type NewRegistration,
} from './registrations-repository.js';
export {
  claimIdempotencyKey,
  releaseIdempotencyKey,
  getProcessedEvent,
  pruneProcessedEvents,
} from './processed-events-repository.js';
