/**
 * The handler module each worker of a local run loads (see worker-pool-bus.ts): it measures the
 * tiles (`measureTile`, the computing half of the shared `registerTileFromMessage`), each message
 * validated like at the function edge; the main thread records the measured rows (the other
 * half, `recordMeasuredTiles`, one transaction per unit) before the messages settle. So a worker
 * needs no database: it loads and starts faster, and does only registration.
 *
 * The decoded images and prepared reference tiles are cached per worker (per process in the
 * cloud). The images the main thread ingested arrive already decoded, in shared memory
 * (`receive`: a `SharedDecodedImage`); any other is decoded once per worker from its canonical copy.
 */
import { LocalFolderBlobStore } from '../adapters/local-folder-blob-store.js';
import { MetdbError } from '../errors/metdb-error.js';
import { parseTileMessage } from '../messages/tile-message.js';
import { decodedImages } from '../pipeline/decoded-image-cache.js';
import { measureTile, type TileStores } from '../pipeline/measure-tile.js';
import { DatasetFolderStore } from './dataset-folder-store.js';
import { LOCAL_RESULTS_BUCKET, type LocalRunConfig } from './local-run-config.js';
import { isSharedDecodedImage } from './shared-decoded-image.js';
import type { WorkerHandler } from './worker-protocol.js';

export function createWorkerHandler(options: unknown): Promise<WorkerHandler> {
  const config = options as LocalRunConfig;
  const blobs = new LocalFolderBlobStore(config.blobsRoot, { bucket: LOCAL_RESULTS_BUCKET });
  const uploads = new DatasetFolderStore(config.uploadsRoot, config.dataset);
  const stores: TileStores = { blobs, bucket: (name) => (name === uploads.bucket ? uploads : blobs) };
  const measure = async (message: unknown, kind: string) => {
    if (kind !== 'tiles')
      throw new MetdbError('invalid-argument', `a local worker has no handler for ${kind}`);
    return measureTile(stores, parseTileMessage(message));
  };
  return Promise.resolve({
    // No handleBatch: a unit's messages are measured one by one, as `handleUnit` does by default.
    handle: (message, _attributes, kind) => measure(message, kind),
    receive(payload) {
      if (isSharedDecodedImage(payload)) decodedImages.put(blobs.bucket, payload.key, 0, payload.image);
    },
    close: () => Promise.resolve(),
  });
}
