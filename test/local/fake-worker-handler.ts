/**
 * A worker handler for the worker-pool bus tests: `{ n }` doubles n (and publishes `{ n: 2n }` on
 * 'aggregate' when asked); `{ fail: 'transient' | 'permanent' }` throws that kind of error while the
 * counter file says so; `{ crash: true }` kills its worker on the first delivery. Outcomes carry
 * the kind (topic or task) and the order in which this worker handled them (`seq`).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import type { WorkerHandler, WorkerHost } from '../../shared/local/worker-protocol.js';

interface Message {
  n?: number;
  publish?: boolean;
  fail?: 'transient' | 'permanent';
  crash?: boolean;
  marker?: string;
}

export function createWorkerHandler(_options: unknown, host: WorkerHost): Promise<WorkerHandler> {
  let seq = 0;
  return Promise.resolve({
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
      const n = m.n ?? 0;
      if (m.publish === true) await host.publish('aggregate', { n: 2 * n });
      return { doubled: 2 * n, threadId, kind, seq };
    },
    close: () => Promise.resolve(),
  });
}
