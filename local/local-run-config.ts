import type { DatabaseConfig } from '../shared/adapters/database-config.js';
import type { LogLevel } from '../shared/logging/logger.js';
import type { PipelineLimits } from '../shared/pipeline/pipeline-deps.js';

/**
 * What every thread of a local run needs to rebuild its own pipeline dependencies (structured-
 * cloneable, sent to each worker): the database, the folder of canonical images, the upload folder.
 */
export interface LocalRunConfig {
  readonly database: DatabaseConfig;
  /** Folder holding the canonical images (`datasets/<id>/images/<id>.<ext>`), the "results bucket". */
  readonly blobsRoot: string;
  /** The input folder and the dataset name it stands for. */
  readonly uploadsRoot: string;
  readonly dataset: string;
  readonly limits: PipelineLimits;
  /** Lowest level of the pipeline's JSON log lines (on stderr). @default 'warn' */
  readonly logLevel?: LogLevel;
}

/** The bucket name of a local run's canonical images (`<out>/blobs`, the "results bucket"). */
export const LOCAL_RESULTS_BUCKET = 'metdb-results';
