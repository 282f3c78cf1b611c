import { availableParallelism } from 'node:os';
import { MetdbError } from '../shared/errors/metdb-error.js';
import type { Bus, MessageAttributes, TopicName } from '../shared/ports/bus.js';
import { DeliveryPolicy } from './delivery-policy.js';
import { serializeError } from './serialize-error.js';
import { UnitScheduler, type Delivery } from './unit-scheduler.js';
import { WorkerPool, type WorkerSlot } from './worker-pool.js';
import type { SerializedError, WirePublication, WorkerToMain } from './worker-protocol.js';

export type {
  DeadLetter,
  MainThreadHandler,
  SettledDelivery,
  UnitCompletion,
  WorkerPoolBusOptions,
} from './worker-pool-bus-options.js';
import type {
  DeadLetter,
  SettledDelivery,
  UnitCompletion,
  WorkerPoolBusOptions,
} from './worker-pool-bus-options.js';

/**
 * The local stand-in for Pub/Sub: an in-process `Bus` whose worker topics (tiles, and aggregate
 * when asked) fan out to a pool of `node:worker_threads` workers (`WorkerPool`), in units chosen
 * by the `UnitScheduler`; the other topics run on the main thread.
 *
 * Delivery is at-least-once, as on Pub/Sub: what a failure means is the functions' rule
 * (`DeliveryPolicy` over `decideOutcome`): a transient error, or a worker that dies, is delivered
 * again (up to `maxAttempts`); a permanent error, or too many attempts, puts the message in
 * `deadLetters` and reports it through `onSettled`: nothing is lost silently. `idle()` resolves
 * once every published message (and everything they published) has settled.
 */
export class WorkerPoolBus implements Bus {
  readonly deadLetters: DeadLetter[] = [];
  readonly workerCount: number;
  private readonly pool: WorkerPool;
  private readonly scheduler: UnitScheduler;
  private readonly policy: DeliveryPolicy;
  private readonly prefetch: number;
  private readonly mainQueue: Delivery[] = [];
  private mainBusy = false;
  private nextId = 1;
  private waiters: (() => void)[] = [];
  /** Deliveries waiting out their retry backoff (not idle meanwhile). */
  private backingOff = 0;
  /** Units whose outcomes are being completed on this thread (`complete`). */
  private completing = 0;
  private closed = false;
  private fatal: MetdbError | undefined;

  constructor(private readonly options: WorkerPoolBusOptions) {
    this.workerCount = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.prefetch = Math.max(1, Math.floor(options.prefetch ?? 2));
    this.policy = new DeliveryPolicy(options);
    this.scheduler = new UnitScheduler({
      kinds: options.workerKinds ?? ['tiles'],
      ...(options.batchSizes === undefined ? {} : { batchSizes: options.batchSizes }),
      ...(options.affinity === undefined ? {} : { affinity: options.affinity }),
    });
    this.pool = new WorkerPool({
      workers: this.workerCount,
      handlerModule: options.handlerModule,
      handlerOptions: options.handlerOptions,
      lazy: options.lazyWorkers === true,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      onReady: () => this.dispatch(),
      onMessage: (slot, m) => this.onWorkerMessage(slot, m),
      onExit: (code, inFlight) => this.onWorkerExit(code, inFlight),
      onFatal: (error) => {
        this.fatal = error;
        this.wake();
      },
    });
  }

  /** Workers started so far (all of them, unless `lazyWorkers` and no work has come yet). */
  get startedWorkers(): number {
    return this.pool.slots.length;
  }

  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    try {
      const id = this.accept({ topic, body: jsonOf(topic, message), attributes: { ...attributes } });
      this.dispatch();
      return Promise.resolve(id);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Posts `payload` to every worker's handler (`WorkerHandler.receive`), after what was sent to
   * it before (so before the messages published after this call). Workers started later by
   * `lazyWorkers` get it too; a worker started to replace one that died does not: a broadcast may
   * only save work, never be needed.
   */
  broadcast(payload: unknown): void {
    if (!this.closed) this.pool.broadcast(payload);
  }

  /** Resolves when nothing is queued or running; rejects if the workers cannot start. */
  idle(): Promise<void> {
    if (this.fatal !== undefined) return Promise.reject(this.fatal);
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push(() => (this.fatal === undefined ? resolve() : reject(this.fatal)));
    });
  }

  /** Stops the workers (after letting each close its resources); queued messages are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  /** Queues one publication (JSON text already); returns its message id. Throws when refused. */
  private accept(p: WirePublication): string {
    if (this.closed) throw new MetdbError('unavailable', 'the worker-pool bus is closed');
    const topic = p.topic;
    const onWorkers = this.scheduler.handles(topic);
    if (!onWorkers && this.options.mainThread?.[topic] === undefined) {
      throw new MetdbError('invalid-argument', `no handler for topic ${p.topic} on the local bus`);
    }
    const id = String(this.nextId++);
    const delivery: Delivery = { id, topic, attributes: p.attributes, attempts: 0, body: p.body };
    this.options.onPublished?.(topic, id);
    if (onWorkers) {
      this.scheduler.push(delivery);
      this.pool.startRemaining();
    } else {
      this.mainQueue.push(delivery);
      this.runMainThread();
    }
    return id;
  }

  private isIdle(): boolean {
    return (
      this.scheduler.empty &&
      this.mainQueue.length === 0 &&
      !this.mainBusy &&
      this.completing === 0 &&
      this.backingOff === 0 &&
      this.pool.slots.every((s) => s.inFlight.length === 0)
    );
  }

  private wake(): void {
    if (!this.isIdle() && this.fatal === undefined) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private onWorkerMessage(slot: WorkerSlot, m: Extract<WorkerToMain, { type: 'publish' | 'settled' }>): void {
    if (m.type === 'publish') {
      const results = m.publications.map((p) => {
        try {
          return { messageId: this.accept(p) };
        } catch (error) {
          return { error: serializeError(error) };
        }
      });
      this.pool.send(slot, { type: 'published', requestId: m.requestId, results });
      this.dispatch();
      return;
    }
    const done: { delivery: Delivery; outcome: unknown }[] = [];
    for (const s of m.settlements) {
      const delivery = takeInFlight(slot, s.deliveryId);
      if (delivery === undefined) continue;
      if ('error' in s) this.fail(delivery, s.error);
      else done.push({ delivery, outcome: s.outcome });
    }
    slot.inFlight = slot.inFlight.filter((unit) => unit.length > 0);
    const complete = done[0] === undefined ? undefined : this.options.complete?.[done[0].delivery.topic];
    if (complete === undefined) for (const d of done) this.settle(d.delivery, 'done', d.outcome);
    else this.completeHere(complete, done);
    this.dispatch();
    this.wake();
  }

  /**
   * Completes the worker's outcomes of one unit on this thread (`complete`), then settles each
   * delivery with the completed outcome, or fails it (a transient failure of the completion is
   * retried: the message goes back to a worker).
   */
  private completeHere(complete: UnitCompletion, done: { delivery: Delivery; outcome: unknown }[]): void {
    this.completing++;
    Promise.resolve()
      .then(() => complete(done.map((d) => d.outcome)))
      .then(
        (results) =>
          done.forEach(({ delivery }, i) => {
            const r = results[i];
            if (r === undefined) this.fail(delivery, { message: 'no completed outcome', kind: 'transient' });
            else if (r.ok) this.settle(delivery, 'done', r.outcome);
            else this.fail(delivery, serializeError(r.error));
          }),
        (error: unknown) => {
          const e = serializeError(error);
          for (const { delivery } of done) this.fail(delivery, e);
        },
      )
      .finally(() => {
        this.completing--;
        this.dispatch();
        this.wake();
      });
  }

  /** A worker died: what it had not started goes back to the front (no attempt spent), the rest fails. */
  private onWorkerExit(code: number, inFlight: Delivery[][]): void {
    const [running = [], ...waiting] = inFlight;
    for (const d of waiting.flat().reverse()) {
      d.attempts--;
      this.scheduler.unshift(d);
    }
    for (const delivery of running) {
      this.fail(delivery, { message: `worker exited with code ${code}`, kind: 'transient' });
    }
    this.wake();
  }

  private dispatch(): void {
    if (this.closed) return;
    const slots = this.pool.slots;
    // First one unit per idle worker, then the prefetched ones: spread before stacking.
    for (let depth = 1; depth <= this.prefetch; depth++) {
      for (const [index, slot] of slots.entries()) {
        if (!slot.ready || slot.inFlight.length >= depth) continue;
        const unit = this.scheduler.takeUnit(index, slots.length);
        if (unit.length === 0) return;
        for (const d of unit) d.attempts++;
        slot.inFlight.push(unit);
        this.pool.send(slot, {
          type: 'deliver',
          deliveries: unit.map((d) => ({
            deliveryId: d.id,
            kind: d.topic,
            body: d.body,
            attributes: d.attributes,
          })),
        });
      }
    }
  }

  private runMainThread(): void {
    if (this.mainBusy || this.closed) return;
    const next = this.mainQueue.shift();
    if (next === undefined) return;
    this.mainBusy = true;
    next.attempts++;
    const handler = this.options.mainThread![next.topic]!;
    Promise.resolve()
      .then(() => handler(JSON.parse(next.body) as unknown, next.attributes))
      .then(
        (result) => this.settle(next, 'done', result),
        (error: unknown) => this.fail(next, serializeError(error)),
      )
      .finally(() => {
        this.mainBusy = false;
        this.runMainThread();
        this.wake();
      });
  }

  /** A failed delivery: retried after a backoff, or dead-lettered, as the policy says. */
  private fail(delivery: Delivery, error: SerializedError): void {
    if (this.policy.verdict(error, delivery.attempts) === 'retry') {
      this.settle(delivery, 'retry', undefined, error);
      this.backingOff++;
      setTimeout(() => {
        this.backingOff--;
        if (!this.closed) this.requeue(delivery);
        this.wake();
      }, this.policy.retryDelayMs(delivery.attempts));
      return;
    }
    this.deadLetters.push({
      topic: delivery.topic,
      messageId: delivery.id,
      message: JSON.parse(delivery.body) as unknown,
      attempts: delivery.attempts,
      error,
    });
    this.options.logger?.error(
      `local bus: message ${delivery.id} on ${delivery.topic} dead-lettered: ${error.message}`,
      { topic: delivery.topic, attempts: delivery.attempts },
    );
    this.settle(delivery, 'dead-letter', undefined, error);
  }

  private requeue(delivery: Delivery): void {
    if (this.scheduler.handles(delivery.topic)) {
      this.scheduler.push(delivery);
      this.dispatch();
    } else {
      this.mainQueue.push(delivery);
      this.runMainThread();
    }
  }

  private settle(
    delivery: Delivery,
    outcome: SettledDelivery['outcome'],
    result?: unknown,
    error?: SerializedError,
  ): void {
    this.options.onSettled?.({
      topic: delivery.topic,
      messageId: delivery.id,
      outcome,
      attempt: delivery.attempts,
      ...(result === undefined ? {} : { result }),
      ...(error === undefined ? {} : { error }),
    });
  }
}

/** Removes a delivery from the units in flight on `slot`. */
function takeInFlight(slot: WorkerSlot, deliveryId: string): Delivery | undefined {
  for (const unit of slot.inFlight) {
    const index = unit.findIndex((d) => d.id === deliveryId);
    if (index >= 0) return unit.splice(index, 1)[0];
  }
  return undefined;
}

/** A message as JSON text, as Pub/Sub carries it; a value JSON cannot carry is refused. */
function jsonOf(topic: TopicName, message: unknown): string {
  const body = JSON.stringify(message);
  if (body === undefined) {
    throw new MetdbError('invalid-argument', `a ${topic} message must be a JSON value`);
  }
  return body;
}
