/**
 * Entry point of a worker thread of the worker-pool bus: loads the handler module named in
 * `workerData`, then handles the delivered messages one at a time, in order, and reports each
 * outcome. Publishing from the handler goes back to the main thread's bus and is awaited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessageAttributes, TopicName } from '../ports/bus.js';
import { MetdbError } from '../errors/metdb-error.js';
import { serializeError } from './serialize-error.js';
import type {
  MainToWorker,
  PoolWorkerData,
  WorkerHandler,
  WorkerHandlerModule,
  WorkerToMain,
} from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts must run in a worker thread');
const send = (message: WorkerToMain): void => port.postMessage(message);

const pending = new Map<number, { resolve: (id: string) => void; reject: (error: unknown) => void }>();
let nextRequest = 1;
const host = {
  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    const requestId = nextRequest++;
    return new Promise<string>((resolve, reject) => {
      pending.set(requestId, { resolve, reject });
      send({ type: 'publish', requestId, topic, message, attributes });
    });
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

// Deliveries run one at a time, in the order they came (the bus may send the next one ahead).
let running: Promise<void> = Promise.resolve();
let closing = false;
port.on('message', (m: MainToWorker) => {
  switch (m.type) {
    case 'deliver':
      running = running.then(() => {
        if (closing) return; // the bus is closing: what was sent ahead is dropped
        return handler.handle(m.message, m.attributes, m.kind).then(
          (outcome) => send({ type: 'done', deliveryId: m.deliveryId, outcome }),
          (error: unknown) =>
            send({ type: 'failed', deliveryId: m.deliveryId, error: serializeError(error) }),
        );
      });
      break;
    case 'published':
      pending.get(m.requestId)?.resolve(m.messageId);
      pending.delete(m.requestId);
      break;
    case 'publish-failed':
      pending
        .get(m.requestId)
        ?.reject(new MetdbError('unavailable', m.error.message, { kind: m.error.kind }));
      pending.delete(m.requestId);
      break;
    case 'close':
      closing = true;
      void running.then(() => handler.close()).finally(() => port.close());
      break;
  }
});
send({ type: 'ready' });
