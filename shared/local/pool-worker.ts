/**
 * Entry point of a worker thread of the worker-pool bus: loads the handler module named in
 * `workerData`, then handles the delivered units one at a time, in the order they came (a unit is
 * one delivery, or a batch for `handleBatch`), and reports each unit's outcomes in one message.
 * Publishing from the handler goes back to the main thread's bus as JSON text, the publications
 * of one tick in one message, and is awaited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessageAttributes, TopicName } from '../ports/bus.js';
import { MetdbError } from '../errors/metdb-error.js';
import { serializeError } from './serialize-error.js';
import type {
  MainToWorker,
  PoolWorkerData,
  WireDelivery,
  WirePublication,
  WireSettlement,
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

/** Handles one unit: a batch through `handleBatch` when there is one, else message by message. */
async function handleUnit(deliveries: readonly WireDelivery[]): Promise<WireSettlement[]> {
  const parsed = deliveries.map((d) => {
    try {
      return { ok: true as const, message: JSON.parse(d.body) as unknown };
    } catch (error) {
      return { ok: false as const, error: new MetdbError('invalid-message', `not JSON: ${String(error)}`) };
    }
  });
  const kind = deliveries[0]!.kind;
  if (
    deliveries.length > 1 &&
    handler.handleBatch !== undefined &&
    deliveries.every((d) => d.kind === kind)
  ) {
    const valid = deliveries.flatMap((d, i) => {
      const p = parsed[i]!;
      return p.ok ? [{ index: i, item: { message: p.message, attributes: d.attributes } }] : [];
    });
    const out: WireSettlement[] = deliveries.map((d, i) => {
      const p = parsed[i]!;
      return p.ok
        ? { deliveryId: d.deliveryId, error: { message: 'not handled', kind: 'transient' } }
        : { deliveryId: d.deliveryId, error: serializeError(p.error) };
    });
    try {
      const results = await handler.handleBatch(
        valid.map((v) => v.item),
        kind,
      );
      valid.forEach((v, k) => {
        const r = results[k];
        const deliveryId = deliveries[v.index]!.deliveryId;
        out[v.index] =
          r === undefined
            ? { deliveryId, error: { message: 'the batch handler gave no result', kind: 'transient' } }
            : r.ok
              ? { deliveryId, outcome: r.outcome }
              : { deliveryId, error: serializeError(r.error) };
      });
    } catch (error) {
      const e = serializeError(error);
      for (const v of valid) out[v.index] = { deliveryId: deliveries[v.index]!.deliveryId, error: e };
    }
    return out;
  }
  const out: WireSettlement[] = [];
  for (const [i, d] of deliveries.entries()) {
    const p = parsed[i]!;
    if (!p.ok) {
      out.push({ deliveryId: d.deliveryId, error: serializeError(p.error) });
      continue;
    }
    try {
      out.push({ deliveryId: d.deliveryId, outcome: await handler.handle(p.message, d.attributes, d.kind) });
    } catch (error) {
      out.push({ deliveryId: d.deliveryId, error: serializeError(error) });
    }
  }
  return out;
}

// Units run one at a time, in the order they came (the bus may send the next ones ahead).
let running: Promise<void> = Promise.resolve();
let closing = false;
port.on('message', (m: MainToWorker) => {
  switch (m.type) {
    case 'deliver':
      running = running.then(async () => {
        if (closing) return; // the bus is closing: what was sent ahead is dropped
        send({ type: 'settled', settlements: await handleUnit(m.deliveries) });
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
