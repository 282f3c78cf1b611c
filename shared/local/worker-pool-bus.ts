import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MetdbError } from '../errors/metdb-error.js';
import type { Logger } from '../logging/logger.js';
import type { Bus, MessageAttributes, TopicName } from '../ports/bus.js';
import { serializeError } from './serialize-error.js';
import { siblingModule, spawnWorker } from './spawn-worker.js';
import type { MainToWorker, PoolWorkerData, SerializedError, WorkerToMain } from './worker-protocol.js';

/** A message handled on the main thread (aggregation, reprocessing). */
export type MainThreadHandler = (message: unknown, attributes: MessageAttributes) => Promise<unknown>;

export interface WorkerPoolBusOptions {
  /** Worker threads for the worker topic. @default os.availableParallelism() */
  workers?: number;
  /** Topic whose messages go to the workers. @default 'tiles' */
  workerTopic?: TopicName;
  /** URL of the module each worker loads (exports `createWorkerHandler`, see worker-protocol.ts). */
  handlerModule: URL;
  /** Options given to `createWorkerHandler` in every worker (structured-cloneable). */
  handlerOptions: unknown;
  /** Handlers of the other topics, run on the main thread one message at a time. @default {} */
  mainThread?: Partial<Record<TopicName, MainThreadHandler>>;
  /**
   * Deliveries of a message before it is dead-lettered, when it keeps failing with a transient
   * error (or its worker dies). Permanent errors are dead-lettered at once. @default 5
   */
  maxAttempts?: number;
  /** Called when a message is accepted (progress: the number of tiles to do grows). */
  onPublished?: (topic: TopicName, messageId: string) => void;
  /** Called after each delivery settles (progress, logs). */
  onSettled?: (event: SettledDelivery) => void;
  /** @default no logging */
  logger?: Logger;
}

export interface SettledDelivery {
  readonly topic: TopicName;
  readonly messageId: string;
  readonly outcome: 'done' | 'retry' | 'dead-letter';
  readonly result?: unknown;
  readonly error?: SerializedError;
  readonly attempt: number;
}

/** A message that could not be processed, with the last error (the local dead-letter topic). */
export interface DeadLetter {
  readonly topic: TopicName;
  readonly messageId: string;
  readonly message: unknown;
  readonly attempts: number;
  readonly error: SerializedError;
}

interface Delivery {
  readonly id: string;
  readonly topic: TopicName;
  readonly message: unknown;
  readonly attributes: MessageAttributes;
  attempts: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: Delivery | undefined;
}

/**
 * The local stand-in for Pub/Sub: an in-process `Bus` whose worker topic (tiles) fans out to a
 * pool of `node:worker_threads` workers, each running the handler module with its own resources
 * (its own database connection); the other topics (aggregate) run on the main thread.
 *
 * Delivery is at-least-once, as on Pub/Sub: a message whose handler throws a transient error, or
 * whose worker dies, is delivered again (up to `maxAttempts`); a permanent error, or too many
 * attempts, puts it in `deadLetters` and reports it through `onSettled`: nothing is lost silently.
 * `idle()` resolves once every published message (and everything they published) has settled.
 */
export class WorkerPoolBus implements Bus {
  readonly deadLetters: DeadLetter[] = [];
  readonly workerCount: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Delivery[] = [];
  private readonly mainQueue: Delivery[] = [];
  private mainBusy = false;
  private nextId = 1;
  private waiters: (() => void)[] = [];
  private closed = false;
  private fatal: MetdbError | undefined;
  /** Workers that exited before they were ready: past a bound the pool gives up (no crash loop). */
  private startFailures = 0;
  private readonly maxAttempts: number;
  private readonly workerTopic: TopicName;

  constructor(private readonly options: WorkerPoolBusOptions) {
    this.workerCount = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.workerTopic = options.workerTopic ?? 'tiles';
    for (let i = 0; i < this.workerCount; i++) this.slots.push(this.startWorker());
  }

  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    if (this.closed) return Promise.reject(new MetdbError('unavailable', 'the worker-pool bus is closed'));
    if (topic !== this.workerTopic && this.options.mainThread?.[topic] === undefined) {
      return Promise.reject(
        new MetdbError('invalid-argument', `no handler for topic ${topic} on the local bus`),
      );
    }
    const id = String(this.nextId++);
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    const delivery: Delivery = { id, topic, message: wire, attributes: { ...attributes }, attempts: 0 };
    this.options.onPublished?.(topic, id);
    if (topic === this.workerTopic) {
      this.queue.push(delivery);
      this.dispatch();
    } else {
      this.mainQueue.push(delivery);
      this.runMainThread();
    }
    return Promise.resolve(id);
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
    await Promise.all(
      this.slots.map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies MainToWorker);
        const timeout = new Promise<'timeout'>((resolve) =>
          setTimeout(() => resolve('timeout'), 5000).unref(),
        );
        if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      }),
    );
  }

  private isIdle(): boolean {
    return (
      this.queue.length === 0 &&
      this.mainQueue.length === 0 &&
      !this.mainBusy &&
      this.slots.every((s) => s.current === undefined)
    );
  }

  private wake(): void {
    if (!this.isIdle() && this.fatal === undefined) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private startWorker(): Slot {
    const data: PoolWorkerData = {
      handlerModule: this.options.handlerModule.href,
      handlerOptions: this.options.handlerOptions,
    };
    const worker = spawnWorker(siblingModule(import.meta.url, 'pool-worker'), {
      workerData: data,
      // Flags of the main script (`--input-type`, `--eval`...) make no sense for a worker module.
      execArgv: process.execArgv.filter((a) => !/^--(input-type|eval|print)\b|^-[ep]$/.test(a)),
    });
    const slot: Slot = { worker, ready: false, current: undefined };
    worker.on('message', (m: WorkerToMain) => this.onWorkerMessage(slot, m));
    worker.on('error', (error) => {
      this.options.logger?.error(`local bus: worker crashed: ${error.message}`);
    });
    worker.on('exit', (code) => this.onWorkerExit(slot, code));
    return slot;
  }

  private onWorkerMessage(slot: Slot, m: WorkerToMain): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        this.dispatch();
        return;
      case 'init-failed':
        this.fatal = new MetdbError('unavailable', `local bus: a worker could not start: ${m.error.message}`);
        this.wake();
        return;
      case 'publish':
        this.publish(m.topic, m.message, m.attributes).then(
          (messageId) =>
            slot.worker.postMessage({
              type: 'published',
              requestId: m.requestId,
              messageId,
            } satisfies MainToWorker),
          (error: unknown) =>
            slot.worker.postMessage({
              type: 'publish-failed',
              requestId: m.requestId,
              error: serializeError(error),
            } satisfies MainToWorker),
        );
        return;
      case 'done':
      case 'failed': {
        const delivery = slot.current;
        if (delivery === undefined || delivery.id !== m.deliveryId) return;
        slot.current = undefined;
        if (m.type === 'done') this.settle(delivery, 'done', m.outcome);
        else this.fail(delivery, m.error, this.queue);
        this.dispatch();
        this.wake();
        return;
      }
    }
  }

  private onWorkerExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    const delivery = slot.current;
    slot.current = undefined;
    if (this.closed || index < 0) return;
    if (delivery !== undefined) {
      this.fail(delivery, { message: `worker exited with code ${code}`, kind: 'transient' }, this.queue);
    }
    if (!slot.ready && ++this.startFailures > 2 * this.workerCount && this.fatal === undefined) {
      this.fatal = new MetdbError('unavailable', `local bus: workers exit before they start (code ${code})`);
    }
    if (this.fatal !== undefined) {
      this.wake();
      return;
    }
    this.options.logger?.warn(`local bus: worker exited with code ${code}; starting another`);
    this.slots[index] = this.startWorker();
    this.wake();
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (!slot.ready || slot.current !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      next.attempts++;
      slot.current = next;
      slot.worker.postMessage({
        type: 'deliver',
        deliveryId: next.id,
        message: next.message,
        attributes: next.attributes,
      } satisfies MainToWorker);
    }
  }

  private runMainThread(): void {
    if (this.mainBusy || this.closed) return;
    const next = this.mainQueue.shift();
    if (next === undefined) return;
    this.mainBusy = true;
    next.attempts++;
    const handler = this.options.mainThread![next.topic]!;
    handler(next.message, next.attributes)
      .then(
        (result) => this.settle(next, 'done', result),
        (error: unknown) => this.fail(next, serializeError(error), this.mainQueue),
      )
      .finally(() => {
        this.mainBusy = false;
        this.runMainThread();
        this.wake();
      });
  }

  private fail(delivery: Delivery, error: SerializedError, queue: Delivery[]): void {
    if (error.kind === 'transient' && delivery.attempts < this.maxAttempts) {
      this.settle(delivery, 'retry', undefined, error);
      queue.push(delivery);
      if (queue === this.mainQueue) this.runMainThread();
      return;
    }
    this.deadLetters.push({
      topic: delivery.topic,
      messageId: delivery.id,
      message: delivery.message,
      attempts: delivery.attempts,
      error,
    });
    this.options.logger?.error(
      `local bus: message ${delivery.id} on ${delivery.topic} dead-lettered: ${error.message}`,
      {
        topic: delivery.topic,
        attempts: delivery.attempts,
      },
    );
    this.settle(delivery, 'dead-letter', undefined, error);
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
