import { LocalFolderBlobStore } from '../shared/adapters/local-folder-blob-store.js';
import type { Logger } from '../shared/logging/logger.js';
import type { PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import type { Bus } from '../shared/ports/bus.js';
import { connectDatabase, type DatabaseHandle } from '../shared/adapters/open-database.js';
import { DatasetFolderStore } from './dataset-folder-store.js';
import { LOCAL_RESULTS_BUCKET, type LocalRunConfig } from './local-run-config.js';

/**
 * The pipeline's dependencies for one thread of a local run: its own database connection (SQLite
 * file or MySQL URL; opened unless given), the canonical images in `<out>/blobs`, the input folder as the upload
 * bucket, and the given bus. The same shape the Cloud Functions build from their environment.
 */
export async function localPipelineDeps(
  config: LocalRunConfig,
  bus: Bus,
  logger: Logger,
  handle?: DatabaseHandle,
): Promise<{ deps: PipelineDeps; handle: DatabaseHandle; uploads: DatasetFolderStore }> {
  handle ??= await connectDatabase(config.database);
  const blobs = new LocalFolderBlobStore(config.blobsRoot, { bucket: LOCAL_RESULTS_BUCKET });
  const uploads = new DatasetFolderStore(config.uploadsRoot, config.dataset);
  const deps: PipelineDeps = {
    db: handle.db,
    blobs,
    bucket: (name) => (name === uploads.bucket ? uploads : blobs),
    bus,
    logger,
    topics: { tiles: 'tiles', aggregate: 'aggregate' },
    limits: config.limits,
  };
  return { deps, handle, uploads };
}
