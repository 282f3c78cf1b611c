/**
 * A worker handler for the worker-pool bus tests: `{ n }` doubles n (and publishes `{ n: 2n }` on
 * 'aggregate' when asked); `{ fail: 'transient' | 'permanent' }` throws that kind of error while the
 * counter file says so; `{ crash: true }` kills its worker on the first delivery. Outcomes carry
 * the kind (topic) and the order in which this worker handled them (`seq`). A batch
 * (`handleBatch`) handles each message as `handle` would and tags the outcomes with its size.
 * Broadcasts received (`receive`) are listed in every outcome (`received`); `{ delay }` waits.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import type { BatchResult, WorkerHandler, WorkerHost } from '../../local/worker-protocol.js';

interface Message {
  n?: number;
  publish?: boolean;
  fail?: 'transient' | 'permanent';
  crash?: boolean;
  marker?: string;
  /** Milliseconds to wait before answering (work that takes time). */
  delay?: number;
}

export function createWorkerHandler(_options: unknown, host: WorkerHost): Promise<WorkerHandler> {
  let seq = 0;
  const received: unknown[] = [];
  const handler: WorkerHandler = {
    receive(payload) {
      received.push(payload);
    },
    async handleBatch(items, kind) {
      const results: BatchResult[] = [];
      for (const item of items) {
        try {
          const outcome = (await handler.handle(item.message, item.attributes, kind)) as object;
          results.push({
            ok: true,
            outcome: {
              ...outcome,
              batch: items.length,
            },
          });
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
      return results;
    },
    async handle(raw: unknown, _attributes, kind) {
      seq++;
      const m = raw as Message;
      if (m.crash === true && m.marker !== undefined && !existsSync(m.marker)) {
        writeFileSync(m.marker, 'crashed once');
        process.exit(3);
      }
      if (m.fail === 'permanent') throw new MetdbError('invalid-message', 'bad message');
      if (m.fail === 'transient') {
        if (m.marker === undefined || !existsSync(m.marker)) {
          if (m.marker !== undefined) writeFileSync(m.marker, 'failed once');
          throw new MetdbError('unavailable', 'database busy');
        }
      }
      if (m.delay !== undefined) await new Promise((resolve) => setTimeout(resolve, m.delay));
      const n = m.n ?? 0;
      if (m.publish === true) await host.publish('aggregate', { n: 2 * n });
      return { doubled: 2 * n, threadId, kind, seq, received: [...received] };
    },
    close: () => Promise.resolve(),
  };
  return Promise.resolve(handler);
}
