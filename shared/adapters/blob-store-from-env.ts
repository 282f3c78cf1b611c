import { join } from 'node:path';
import type { BlobStore } from '../ports/blob-store.js';
import { GcsBlobStore } from './gcs-blob-store.js';
import { LocalFolderBlobStore } from './local-folder-blob-store.js';

/**
 * The `BlobStore` for a bucket name, chosen by the environment:
 * - `METDB_LOCAL_BUCKET_DIR` set: the folder `<dir>/<bucket>` (a local stand-in for every bucket);
 * - otherwise GCS through `@google-cloud/storage`, at `METDB_GCS_API_ENDPOINT` if set (the test
 *   double), with project `GOOGLE_CLOUD_PROJECT`.
 * Stores are cached per bucket, so a function instance creates each one once.
 */
export function blobStoreFromEnv(bucket: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const localDir = env.METDB_LOCAL_BUCKET_DIR || undefined;
  const endpoint = env.METDB_GCS_API_ENDPOINT || undefined;
  const project = env.GOOGLE_CLOUD_PROJECT || undefined;
  const id = `${localDir ?? ''}|${endpoint ?? ''}|${project ?? ''}|${bucket}`;
  let store = cache.get(id);
  if (store === undefined) {
    store =
      localDir === undefined
        ? new GcsBlobStore(bucket, { apiEndpoint: endpoint, projectId: project })
        : new LocalFolderBlobStore(join(localDir, bucket), { bucket });
    cache.set(id, store);
  }
  return store;
}

const cache = new Map<string, BlobStore>();
