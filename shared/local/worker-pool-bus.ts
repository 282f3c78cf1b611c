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

/**
 * What the workers handle: a bus topic (`tiles`, `aggregate`: published messages) or a task name
 * (`ingest`: work the main thread hands out with `run`).
 */
export type WorkerKind = TopicName | (string & {});

export interface WorkerPoolBusOptions {
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /**
   * The topics and tasks the workers handle, highest priority first: a free worker takes the
   * oldest message of the first kind that has one. Other topics go to `mainThread`.
   * @default ['tiles']
   */
  workerKinds?: readonly WorkerKind[];
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
  /**
   * Deliveries a worker is given ahead (it handles them one at a time, in order): with more than
   * one, the next message is already there when a worker finishes, instead of a round trip
   * through this thread away. @default 2
   */
  prefetch?: number;
  /**
   * A message's preferred worker: worker `key % workers` takes it if it comes up among the next
   * `AFFINITY_WINDOW` waiting messages of its kind; otherwise any free worker takes the oldest.
   * Use it to keep work that shares a per-process cache on one worker (the tiles of one position,
   * whose prepared reference tile is then computed once, not once per worker).
   * @default none
   */
  affinity?: (kind: WorkerKind, message: unknown) => number | undefined;
  /** Called when a message is accepted (progress: the number of tiles to do grows). */
  onPublished?: (topic: TopicName, messageId: string) => void;
  /** Called after each delivery settles (progress, logs). */
  onSettled?: (event: SettledDelivery) => void;
  /** @default no logging */
  logger?: Logger;
}

export interface SettledDelivery {
  /** The topic, or the task name for `run`. */
  readonly topic: WorkerKind;
  readonly messageId: string;
  readonly outcome: 'done' | 'retry' | 'dead-letter';
  readonly result?: unknown;
  readonly error?: SerializedError;
  readonly attempt: number;
}

/** A message that could not be processed, with the last error (the local dead-letter topic). */
export interface DeadLetter {
  /** The topic, or the task name for `run`. */
  readonly topic: WorkerKind;
  readonly messageId: string;
  readonly message: unknown;
  readonly attempts: number;
  readonly error: SerializedError;
}

interface Delivery {
  readonly id: string;
  readonly topic: WorkerKind;
  readonly message: unknown;
  readonly attributes: MessageAttributes;
  attempts: number;
  /** For a task (`run`): told the outcome once the delivery settles for good. */
  readonly settled?: { resolve: (outcome: unknown) => void; reject: (error: MetdbError) => void };
}

/** How far down a queue a worker looks for a message with its affinity. */
const AFFINITY_WINDOW = 64;

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Deliveries sent to the worker, oldest (the one running) first. */
  inFlight: Delivery[];
}

/**
 * The local stand-in for Pub/Sub: an in-process `Bus` whose worker topics (tiles, and aggregate
 * when asked) fan out to a pool of `node:worker_threads` workers, each running the handler module
 * with its own resources (its own database connection); the other topics run on the main thread.
 * Tasks (`run`: ingesting a file) go to the same workers, so the main thread only orchestrates.
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
  /** Waiting worker deliveries, one queue per kind, in priority order. */
  private readonly queues: Delivery[][];
  private readonly mainQueue: Delivery[] = [];
  private mainBusy = false;
  private nextId = 1;
  private waiters: (() => void)[] = [];
  private closed = false;
  private fatal: MetdbError | undefined;
  /** Workers that exited before they were ready: past a bound the pool gives up (no crash loop). */
  private startFailures = 0;
  private readonly maxAttempts: number;
  private readonly prefetch: number;
  private readonly workerKinds: readonly WorkerKind[];

  constructor(private readonly options: WorkerPoolBusOptions) {
    this.workerCount = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.prefetch = Math.max(1, Math.floor(options.prefetch ?? 2));
    this.workerKinds = options.workerKinds ?? ['tiles'];
    this.queues = this.workerKinds.map(() => []);
    for (let i = 0; i < this.workerCount; i++) this.slots.push(this.startWorker());
  }

  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    if (this.closed) return Promise.reject(new MetdbError('unavailable', 'the worker-pool bus is closed'));
    const kind = this.workerKinds.indexOf(topic);
    if (kind < 0 && this.options.mainThread?.[topic] === undefined) {
      return Promise.reject(
        new MetdbError('invalid-argument', `no handler for topic ${topic} on the local bus`),
      );
    }
    const id = String(this.nextId++);
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    const delivery: Delivery = { id, topic, message: wire, attributes: { ...attributes }, attempts: 0 };
    this.options.onPublished?.(topic, id);
    if (kind >= 0) {
      this.queues[kind]!.push(delivery);
      this.dispatch();
    } else {
      this.mainQueue.push(delivery);
      this.runMainThread();
    }
    return Promise.resolve(id);
  }

  /**
   * Runs a task on a worker (`task` is one of `workerKinds`, the handler gets it as its `kind`)
   * and resolves with the handler's outcome. Delivery as for messages: transient failures are
   * retried, and a task that fails for good is dead-lettered and rejects with its error.
   */
  run(task: WorkerKind, message: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new MetdbError('unavailable', 'the worker-pool bus is closed'));
    if (this.fatal !== undefined) return Promise.reject(this.fatal);
    const kind = this.workerKinds.indexOf(task);
    if (kind < 0) {
      return Promise.reject(new MetdbError('invalid-argument', `no worker handles ${task} on the local bus`));
    }
    return new Promise((resolve, reject) => {
      const wire = JSON.parse(JSON.stringify(message)) as unknown;
      const id = String(this.nextId++);
      this.queues[kind]!.push({
        id,
        topic: task,
        message: wire,
        attributes: {},
        attempts: 0,
        settled: { resolve, reject },
      });
      this.dispatch();
    });
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
      this.queues.every((q) => q.length === 0) &&
      this.mainQueue.length === 0 &&
      !this.mainBusy &&
      this.slots.every((s) => s.inFlight.length === 0)
    );
  }

  private wake(): void {
    if (this.fatal !== undefined) {
      // No worker will take them: the tasks waiting for one fail with the pool's error.
      for (const queue of this.queues) {
        for (const d of queue.filter((x) => x.settled !== undefined)) d.settled!.reject(this.fatal);
      }
    }
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
    const slot: Slot = { worker, ready: false, inFlight: [] };
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
        const index = slot.inFlight.findIndex((d) => d.id === m.deliveryId);
        if (index < 0) return;
        const delivery = slot.inFlight.splice(index, 1)[0]!;
        if (m.type === 'done') this.settle(delivery, 'done', m.outcome);
        else this.fail(delivery, m.error, this.queueOf(delivery));
        this.dispatch();
        this.wake();
        return;
      }
    }
  }

  private onWorkerExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    const [delivery, ...waiting] = slot.inFlight;
    slot.inFlight = [];
    if (this.closed || index < 0) return;
    // The worker had not started these (it runs them in order): back to the front, no attempt spent.
    for (const d of waiting.reverse()) {
      d.attempts--;
      this.queueOf(d).unshift(d);
    }
    if (delivery !== undefined) {
      this.fail(
        delivery,
        { message: `worker exited with code ${code}`, kind: 'transient' },
        this.queueOf(delivery),
      );
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

  private queueOf(delivery: Delivery): Delivery[] {
    return this.queues[this.workerKinds.indexOf(delivery.topic)]!;
  }

  private dispatch(): void {
    if (this.closed) return;
    // First one message per idle worker, then the prefetched ones: spread before stacking.
    for (let depth = 1; depth <= this.prefetch; depth++) {
      for (const [index, slot] of this.slots.entries()) {
        if (!slot.ready || slot.inFlight.length >= depth) continue;
        const next = this.take(index);
        if (next === undefined) return;
        next.attempts++;
        slot.inFlight.push(next);
        slot.worker.postMessage({
          type: 'deliver',
          deliveryId: next.id,
          kind: next.topic,
          message: next.message,
          attributes: next.attributes,
        } satisfies MainToWorker);
      }
    }
  }

  /** The next delivery for worker `index`: first kind with waiting messages, its own ones first. */
  private take(index: number): Delivery | undefined {
    const queue = this.queues.find((q) => q.length > 0);
    const affinity = this.options.affinity;
    if (queue === undefined || affinity === undefined || this.slots.length === 1) return queue?.shift();
    const end = Math.min(queue.length, AFFINITY_WINDOW);
    for (let i = 0; i < end; i++) {
      const key = affinity(queue[i]!.topic, queue[i]!.message);
      if (key !== undefined && Number.isInteger(key) && key % this.slots.length === index) {
        return queue.splice(i, 1)[0];
      }
    }
    return queue.shift();
  }

  private runMainThread(): void {
    if (this.mainBusy || this.closed) return;
    const next = this.mainQueue.shift();
    if (next === undefined) return;
    this.mainBusy = true;
    next.attempts++;
    const handler = this.options.mainThread![next.topic as TopicName]!;
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
    delivery.settled?.reject(
      new MetdbError('unavailable', `${delivery.topic} failed: ${error.message}`, { kind: error.kind }),
    );
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
    if (outcome === 'done') delivery.settled?.resolve(result);
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
