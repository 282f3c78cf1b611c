/**
 * Entry point of a worker thread of the worker-pool bus: loads the handler module named in
 * `workerData`, then handles the delivered units one at a time, in the order they came (a unit is
 * one delivery, or a batch for `handleBatch`), and reports each unit's outcomes in one message.
 * Publishing from the handler goes back to the main thread's bus as JSON text, the publications
 * of one tick in one message, and is awaited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessageAttributes, TopicName } from '../shared/ports/bus.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { serializeError } from './serialize-error.js';
import { handleUnit } from './handle-unit.js';
import type {
  MainToWorker,
  PoolWorkerData,
  WirePublication,
  WorkerHandler,
  WorkerHandlerModule,
  WorkerToMain,
} from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts must run in a worker thread');
const send = (message: WorkerToMain): void => port.postMessage(message);

type Pending = { resolve: (id: string) => void; reject: (error: unknown) => void };
const requests = new Map<number, Pending[]>();
let nextRequest = 1;
/** Publications of the current tick, sent together (a planned job publishes all its tiles at once). */
let outbox: { publications: WirePublication[]; pending: Pending[] } | undefined;

const host = {
  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    const body = JSON.stringify(message);
    if (body === undefined) {
      return Promise.reject(new MetdbError('invalid-argument', `a ${topic} message must be a JSON value`));
    }
    if (outbox === undefined) {
      const box = (outbox = { publications: [], pending: [] });
      queueMicrotask(() => {
        outbox = undefined;
        const requestId = nextRequest++;
        requests.set(requestId, box.pending);
        send({ type: 'publish', requestId, publications: box.publications });
      });
    }
    const box = outbox;
    return new Promise<string>((resolve, reject) => {
      box.publications.push({ topic, body, attributes: { ...attributes } });
      box.pending.push({ resolve, reject });
    });
  },
  broadcast(payload: unknown): void {
    send({ type: 'broadcast', payload });
  },
};

const data = workerData as PoolWorkerData;
let handler: WorkerHandler;
try {
  const module = (await import(data.handlerModule)) as WorkerHandlerModule;
  handler = await module.createWorkerHandler(data.handlerOptions, host);
} catch (error) {
  send({ type: 'init-failed', error: serializeError(error) });
  throw error;
}

// Units run one at a time, in the order they came (the bus may send the next ones ahead).
let running: Promise<void> = Promise.resolve();
let closing = false;
port.on('message', (m: MainToWorker) => {
  switch (m.type) {
    case 'deliver':
      running = running.then(async () => {
        if (closing) return; // the bus is closing: what was sent ahead is dropped
        send({ type: 'settled', settlements: await handleUnit(handler, m.deliveries) });
      });
      break;
    case 'published': {
      const pending = requests.get(m.requestId) ?? [];
      requests.delete(m.requestId);
      m.results.forEach((r, i) => {
        if ('messageId' in r) pending[i]?.resolve(r.messageId);
        else pending[i]?.reject(new MetdbError('unavailable', r.error.message, { kind: r.error.kind }));
      });
      break;
    }
    case 'broadcast':
      handler.receive?.(m.payload);
      break;
    case 'close':
      closing = true;
      void running.then(() => handler.close()).finally(() => port.close());
      break;
  }
});
send({ type: 'ready' });
