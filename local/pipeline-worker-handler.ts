/**
 * The handler module each worker of a local run loads (see worker-pool-bus.ts): it measures the
 * tiles (`measureTile`, the computing half of the shared `registerTileFromMessage`), each message
 * validated here as at the function edge. The main thread records the measured rows (the other
 * half, `recordMeasuredTiles`, one transaction per unit) before the messages settle. So a worker
 * needs no database: it loads and starts faster, and does only registration.
 *
 * The decoded images and prepared reference tiles are cached per worker (per process in the
 * cloud). The images the main thread ingested arrive already decoded, in shared memory
 * (`receive`: a `SharedDecodedImage`); any other is decoded once per worker from its canonical copy.
 */
import { LocalFolderBlobStore } from '../shared/adapters/local-folder-blob-store.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { parseTileMessage, type TileMessage } from '../shared/messages/tile-message.js';
import { decodedImages } from '../shared/pipeline/decoded-image-cache.js';
import { measureTile, type TileStores } from '../shared/pipeline/measure-tile.js';
import { TileWorkspace } from '../shared/tiling/tile-workspace.js';
import { DatasetFolderStore } from './dataset-folder-store.js';
import { LOCAL_RESULTS_BUCKET, type LocalRunConfig } from './local-run-config.js';
import { isSharedDecodedImage } from './shared-decoded-image.js';
import type { BatchResult, WorkerHandler } from './worker-protocol.js';

export function createWorkerHandler(options: unknown): Promise<WorkerHandler> {
  const config = options as LocalRunConfig;
  const blobs = new LocalFolderBlobStore(config.blobsRoot, { bucket: LOCAL_RESULTS_BUCKET });
  const uploads = new DatasetFolderStore(config.uploadsRoot, config.dataset);
  const stores: TileStores = { blobs, bucket: (name) => (name === uploads.bucket ? uploads : blobs) };
  // This worker's tile buffers: its tiles are measured one after the other.
  const workspace = new TileWorkspace();
  const tilesOnly = (kind: string) => {
    if (kind !== 'tiles')
      throw new MetdbError('invalid-argument', `a local worker has no handler for ${kind}`);
  };
  return Promise.resolve({
    handle: async (message, _attributes, kind) => {
      tilesOnly(kind);
      return measureTile(stores, parseTileMessage(message), decodedImages, workspace);
    },
    // A unit: its messages are validated first, all together (the validator's code stays hot),
    // then measured one by one.
    async handleBatch(items, kind): Promise<BatchResult[]> {
      tilesOnly(kind);
      const messages = items.map(
        (item): { ok: true; message: TileMessage } | { ok: false; error: unknown } => {
          try {
            return { ok: true, message: parseTileMessage(item.message) };
          } catch (error) {
            return { ok: false, error };
          }
        },
      );
      const results: BatchResult[] = [];
      for (const m of messages) {
        if (!m.ok) results.push(m);
        else {
          try {
            results.push({
              ok: true,
              outcome: await measureTile(stores, m.message, decodedImages, workspace),
            });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      }
      return results;
    },
    receive(payload) {
      if (isSharedDecodedImage(payload)) decodedImages.put(blobs.bucket, payload.key, 0, payload.image);
    },
    close: () => Promise.resolve(),
  });
}
