import { isMetdbError } from '../errors/metdb-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { OutputSink } from './output-sink.js';

/**
 * Outputs written as objects `<prefix><name>` of a bucket, create-only (`ifGenerationMatch: 0`,
 * what `roles/storage.objectCreator` allows): an object already there was written by an earlier
 * delivery of the same job version, from the same records, so it is left as it is. Returns
 * `gs://<bucket>/<key>`.
 */
export function blobSink(store: BlobStore, prefix: string): OutputSink {
  return {
    async write(name, content) {
      const key = `${prefix}${name}`;
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      try {
        await store.put(key, bytes, { ifGenerationMatch: 0 });
      } catch (error) {
        if (!isMetdbError(error, 'conflict')) throw error;
      }
      return `gs://${store.bucket}/${key}`;
    },
  };
}
