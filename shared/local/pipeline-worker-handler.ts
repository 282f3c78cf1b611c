/**
 * The handler module each worker of a local run loads (see worker-pool-bus.ts). It runs the
 * registration steps of the pipeline, each message validated like at the function edge and given
 * to the shared use case with this worker's own dependencies (its own database connection, the
 * same folders):
 * - topic `tiles`: `registerTileFromMessage` (the last tile of a job publishes its aggregation), or
 *   `registerTileMessages` for a batch (one fan-in transaction for the batch);
 * - topic `aggregate`: `aggregateJob` (a local run aggregates on its main thread; the handler
 *   takes this topic too for a pool configured so).
 * The decoded images and prepared reference tiles are cached per worker (per process in the
 * cloud). The images the main thread ingested arrive already decoded, in shared memory
 * (`receive`: a `SharedDecodedImage`); any other is decoded once per worker from its canonical copy.
 */
import { MetdbError } from '../errors/metdb-error.js';
import { createLogger } from '../logging/logger.js';
import { parseAggregateMessage } from '../messages/aggregate-message.js';
import { parseTileMessage, type TileMessage } from '../messages/tile-message.js';
import { decodedImages } from '../pipeline/decoded-image-cache.js';
import { registerTileFromMessage, registerTileMessages } from '../pipeline/register-tile-from-message.js';
import type { LocalRunConfig } from './local-run-config.js';
import { localPipelineDeps } from './local-pipeline-deps.js';
import { isSharedDecodedImage } from './shared-decoded-image.js';
import type { BatchResult, WorkerHandler, WorkerHost } from './worker-protocol.js';

export async function createWorkerHandler(options: unknown, host: WorkerHost): Promise<WorkerHandler> {
  const config = options as LocalRunConfig;
  const logger = createLogger({
    level: config.logLevel ?? 'warn',
    write: (line) => void process.stderr.write(line),
  });
  const { deps, handle } = await localPipelineDeps(
    config,
    { publish: (t, m, a) => host.publish(t, m, a) },
    logger,
  );
  return {
    async handle(message, _attributes, kind) {
      switch (kind) {
        case 'tiles':
          return { ...(await registerTileFromMessage(deps, parseTileMessage(message))) };
        case 'aggregate': {
          // Loaded when first needed: a local run aggregates on its main thread.
          const { aggregateJob } = await import('../pipeline/aggregate-job.js');
          return { ...(await aggregateJob(deps, parseAggregateMessage(message))) };
        }
        default:
          throw new MetdbError('invalid-argument', `a local worker has no handler for ${kind}`);
      }
    },
    // A batch of tiles: parsed one by one (a bad message fails alone), measured, recorded in one
    // fan-in transaction.
    async handleBatch(items, kind) {
      if (kind !== 'tiles') {
        throw new MetdbError('invalid-argument', `a local worker does not batch ${kind}`);
      }
      const results = new Array<BatchResult | undefined>(items.length);
      const valid: { index: number; message: TileMessage }[] = [];
      for (const [index, item] of items.entries()) {
        try {
          valid.push({ index, message: parseTileMessage(item.message) });
        } catch (error) {
          results[index] = { ok: false, error };
        }
      }
      const settled = await registerTileMessages(
        deps,
        valid.map((v) => v.message),
      );
      settled.forEach((s, k) => {
        results[valid[k]!.index] = s.ok ? { ok: true, outcome: { ...s.result } } : s;
      });
      return results.map((r) => r!);
    },
    receive(payload) {
      if (isSharedDecodedImage(payload)) decodedImages.put(deps.blobs.bucket, payload.key, 0, payload.image);
    },
    close: () => handle.close(),
  };
}
