import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { blobStoreFromEnv } from '../shared/adapters/blob-store-from-env.js';
import type { DatabaseConfig } from '../shared/adapters/database-config.js';
import { LocalFolderBlobStore } from '../shared/adapters/local-folder-blob-store.js';
import type { BlobStore } from '../shared/ports/blob-store.js';

/** Where `metdb serve` reads the canonical images its thumbnails are made of. */
export interface ServeImages {
  readonly store: BlobStore;
  /** `OUT/blobs`, or `gs://<bucket>`, for the console. */
  readonly where: string;
}

/**
 * The canonical images (`datasets/<datasetId>/images/<imageId>.<ext>`) behind the records served:
 * - a run's output folder: `OUT/blobs`;
 * - else the results bucket `bucket` (`--bucket`, or `METDB_RESULTS_BUCKET`, the functions'
 *   variable): GCS, or the stand-ins `blobStoreFromEnv` takes (`METDB_GCS_API_ENDPOINT`,
 *   `METDB_LOCAL_BUCKET_DIR`);
 * - else, for a SQLite file, the `blobs` folder beside it (a run's layout);
 * undefined when there is none: pages and reports then come without thumbnails.
 */
export function serveImages(input: {
  folder?: string | undefined;
  config: DatabaseConfig;
  bucket?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): ServeImages | undefined {
  const { folder, config, env = process.env } = input;
  const local = (root: string): ServeImages | undefined =>
    existsSync(root) ? { store: new LocalFolderBlobStore(root), where: root } : undefined;
  if (folder !== undefined) return local(join(folder, 'blobs'));
  const bucket = input.bucket ?? (env.METDB_RESULTS_BUCKET || undefined);
  if (bucket !== undefined) return { store: blobStoreFromEnv(bucket, env), where: `gs://${bucket}` };
  return config.kind === 'sqlite' ? local(join(dirname(config.path), 'blobs')) : undefined;
}
