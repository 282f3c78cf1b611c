import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MetdbError } from '../shared/errors/metdb-error.js';
import type { Logger } from '../shared/logging/logger.js';
import type { Bus, MessageAttributes, TopicName } from '../shared/ports/bus.js';
import { serializeError } from './serialize-error.js';
import { siblingModule, spawnWorker } from './spawn-worker.js';
import type {
  MainToWorker,
  PoolWorkerData,
  BatchResult,
  SerializedError,
  WirePublication,
  WorkerToMain,
} from './worker-protocol.js';

/** A message handled on the main thread (aggregation, reprocessing). */
export type MainThreadHandler = (message: unknown, attributes: MessageAttributes) => Promise<unknown>;

/** Completes a unit's outcomes on the main thread (see `WorkerPoolBusOptions.complete`): one result per outcome. */
export type UnitCompletion = (outcomes: readonly unknown[]) => Promise<BatchResult[]>;

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
  /**
   * Per kind, a completion run on this thread for each unit's outcomes before its messages settle
   * (a message settles with its completed outcome, or fails with its error): the local runner's
   * workers measure tiles and this thread records them, one transaction per unit, so that the
   * workers need no database. @default none
   */
  complete?: Readonly<Partial<Record<WorkerKind, UnitCompletion>>>;
  /** Handlers of the other topics, run on the main thread one message at a time. @default {} */
  mainThread?: Partial<Record<TopicName, MainThreadHandler>>;
  /**
   * Deliveries of a message before it is dead-lettered, when it keeps failing with a transient
   * error (or its worker dies). Permanent errors are dead-lettered at once. @default 5
   */
  maxAttempts?: number;
  /**
   * Delay before a message that failed with a transient error is delivered again, in ms, doubled
   * for each attempt spent, with full jitter (as Pub/Sub's retry policy backs off). @default 50
   */
  retryBackoffMs?: number;
  /**
   * Units of work a worker is given ahead (it handles them one at a time, in order): with more
   * than one, the next unit is already there when a worker finishes, instead of a round trip
   * through this thread away. @default 2
   */
  prefetch?: number;
  /**
   * Per kind, how many waiting messages of that kind make one unit: the worker's handler gets
   * them together (`WorkerHandler.handleBatch`, e.g. to record them in one transaction) and they
   * settle together. A worker that dies while handling a unit spends an attempt of each of its
   * messages. @default 1 for every kind
   */
  batchSizes?: Readonly<Partial<Record<WorkerKind, number>>>;
  /**
   * A message's preferred worker, from its attributes: worker `key % workers` takes it if it
   * comes up among the next `AFFINITY_WINDOW` waiting messages of its kind; otherwise any free
   * worker takes the oldest. Use it to keep work that shares a per-process cache on one worker
   * (the tiles of one position, whose prepared reference tile is then computed once, not once per
   * worker).
   * @default none
   */
  affinity?: (kind: WorkerKind, attributes: MessageAttributes) => number | undefined;
  /**
   * Start one worker at once and the others when the first message or task for a worker is
   * queued, with the broadcasts made until then. Before there is work for them, more workers only
   * take the cores from this thread (the local runner ingests the first images meanwhile: with 2
   * workers on 2 cores their start delayed the first tiles by 0.2-0.3 s). @default false
   */
  lazyWorkers?: boolean;
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
  /** The message as JSON text (what crosses to the workers). */
  readonly body: string;
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
  /** Units sent to the worker, oldest (the one running) first; a unit leaves once all of it settled. */
  inFlight: Delivery[][];
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
  /** Deliveries waiting out their retry backoff (not idle meanwhile). */
  private backingOff = 0;
  private closed = false;
  private fatal: MetdbError | undefined;
  /** Workers that exited before they were ready: past a bound the pool gives up (no crash loop). */
  private startFailures = 0;
  private readonly maxAttempts: number;
  private readonly prefetch: number;
  private readonly workerKinds: readonly WorkerKind[];
  /** Units whose outcomes are being completed on this thread (`complete`). */
  private completing = 0;
  /** With `lazyWorkers`, until every worker is started: the broadcasts made, for those to come. */
  private earlyBroadcasts: unknown[] | undefined;

  constructor(private readonly options: WorkerPoolBusOptions) {
    this.workerCount = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.prefetch = Math.max(1, Math.floor(options.prefetch ?? 2));
    this.workerKinds = options.workerKinds ?? ['tiles'];
    this.queues = this.workerKinds.map(() => []);
    const initial = options.lazyWorkers === true ? 1 : this.workerCount;
    for (let i = 0; i < initial; i++) this.slots.push(this.startWorker());
    if (initial < this.workerCount) this.earlyBroadcasts = [];
  }

  /** Workers started so far (all of them, unless `lazyWorkers` and no work has come yet). */
  get startedWorkers(): number {
    return this.slots.length;
  }

  /** With `lazyWorkers`: the other workers, once there is work, given the broadcasts so far. */
  private startRemainingWorkers(): void {
    const early = this.earlyBroadcasts;
    if (early === undefined || this.closed) return;
    this.earlyBroadcasts = undefined;
    while (this.slots.length < this.workerCount) {
      const slot = this.startWorker();
      for (const payload of early)
        slot.worker.postMessage({ type: 'broadcast', payload } satisfies MainToWorker);
      this.slots.push(slot);
    }
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

  /** Queues one publication (JSON text already); returns its message id. Throws when refused. */
  private accept(p: WirePublication): string {
    if (this.closed) throw new MetdbError('unavailable', 'the worker-pool bus is closed');
    const kind = this.workerKinds.indexOf(p.topic);
    if (kind < 0 && this.options.mainThread?.[p.topic] === undefined) {
      throw new MetdbError('invalid-argument', `no handler for topic ${p.topic} on the local bus`);
    }
    const id = String(this.nextId++);
    const delivery: Delivery = {
      id,
      topic: p.topic,
      attributes: p.attributes,
      attempts: 0,
      body: p.body,
    };
    this.options.onPublished?.(p.topic, id);
    if (kind >= 0) {
      this.queues[kind]!.push(delivery);
      this.startRemainingWorkers();
    } else {
      this.mainQueue.push(delivery);
      this.runMainThread();
    }
    return id;
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
    let body: string;
    try {
      body = jsonOf(task, message);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.startRemainingWorkers();
    return new Promise((resolve, reject) => {
      const id = String(this.nextId++);
      this.queues[kind]!.push({
        id,
        topic: task,
        body,
        attributes: {},
        attempts: 0,
        settled: { resolve, reject },
      });
      this.dispatch();
    });
  }

  /**
   * Posts `payload` to every worker's handler (`WorkerHandler.receive`), after what was sent to
   * it before (so before the messages published after this call). Workers started later by
   * `lazyWorkers` get it too; a worker started to replace one that died does not: a broadcast may
   * only save work, never be needed.
   */
  broadcast(payload: unknown): void {
    if (this.closed) return;
    for (const slot of this.slots)
      slot.worker.postMessage({ type: 'broadcast', payload } satisfies MainToWorker);
    this.earlyBroadcasts?.push(payload);
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
      this.completing === 0 &&
      this.backingOff === 0 &&
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
      case 'publish': {
        const results = m.publications.map((p) => {
          try {
            return { messageId: this.accept(p) };
          } catch (error) {
            return { error: serializeError(error) };
          }
        });
        slot.worker.postMessage({
          type: 'published',
          requestId: m.requestId,
          results,
        } satisfies MainToWorker);
        this.dispatch();
        return;
      }
      case 'broadcast':
        for (const other of this.slots) {
          if (other !== slot)
            other.worker.postMessage({ type: 'broadcast', payload: m.payload } satisfies MainToWorker);
        }
        return;
      case 'settled': {
        const done: { delivery: Delivery; outcome: unknown }[] = [];
        for (const s of m.settlements) {
          const delivery = this.takeInFlight(slot, s.deliveryId);
          if (delivery === undefined) continue;
          if ('error' in s) this.fail(delivery, s.error, this.queueOf(delivery));
          else done.push({ delivery, outcome: s.outcome });
        }
        slot.inFlight = slot.inFlight.filter((unit) => unit.length > 0);
        const complete = done[0] === undefined ? undefined : this.options.complete?.[done[0].delivery.topic];
        if (complete === undefined) for (const d of done) this.settle(d.delivery, 'done', d.outcome);
        else this.completeHere(complete, done);
        this.dispatch();
        this.wake();
        return;
      }
    }
  }

  /** Removes a delivery from the units in flight on `slot`. */
  private takeInFlight(slot: Slot, deliveryId: string): Delivery | undefined {
    for (const unit of slot.inFlight) {
      const index = unit.findIndex((d) => d.id === deliveryId);
      if (index >= 0) return unit.splice(index, 1)[0];
    }
    return undefined;
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
            if (r === undefined) {
              this.fail(
                delivery,
                { message: 'no completed outcome', kind: 'transient' },
                this.queueOf(delivery),
              );
            } else if (r.ok) this.settle(delivery, 'done', r.outcome);
            else this.fail(delivery, serializeError(r.error), this.queueOf(delivery));
          }),
        (error: unknown) => {
          const e = serializeError(error);
          for (const { delivery } of done) this.fail(delivery, e, this.queueOf(delivery));
        },
      )
      .finally(() => {
        this.completing--;
        this.dispatch();
        this.wake();
      });
  }

  private onWorkerExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    const [running = [], ...waiting] = slot.inFlight;
    slot.inFlight = [];
    if (this.closed || index < 0) return;
    // The worker had not started these (it runs units in order): back to the front, no attempt spent.
    for (const d of waiting.flat().reverse()) {
      d.attempts--;
      this.queueOf(d).unshift(d);
    }
    for (const delivery of running) {
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
    // First one unit per idle worker, then the prefetched ones: spread before stacking.
    for (let depth = 1; depth <= this.prefetch; depth++) {
      for (const [index, slot] of this.slots.entries()) {
        if (!slot.ready || slot.inFlight.length >= depth) continue;
        const unit = this.takeUnit(index);
        if (unit.length === 0) return;
        for (const d of unit) d.attempts++;
        slot.inFlight.push(unit);
        slot.worker.postMessage({
          type: 'deliver',
          deliveries: unit.map((d) => ({
            deliveryId: d.id,
            kind: d.topic,
            body: d.body,
            attributes: d.attributes,
          })),
        } satisfies MainToWorker);
      }
    }
  }

  /** The next unit for worker `index`: up to its kind's batch size of the first kind waiting. */
  private takeUnit(index: number): Delivery[] {
    const kind = this.queues.findIndex((q) => q.length > 0);
    if (kind < 0) return [];
    const size = Math.max(1, Math.floor(this.options.batchSizes?.[this.workerKinds[kind]!] ?? 1));
    const unit: Delivery[] = [];
    while (unit.length < size) {
      const next = this.take(this.queues[kind]!, index);
      if (next === undefined) break;
      unit.push(next);
    }
    return unit;
  }

  /** The next delivery of `queue` for worker `index`: its own ones first (affinity), else the oldest. */
  private take(queue: Delivery[], index: number): Delivery | undefined {
    const affinity = this.options.affinity;
    if (affinity === undefined || this.slots.length === 1) return queue.shift();
    const end = Math.min(queue.length, AFFINITY_WINDOW);
    for (let i = 0; i < end; i++) {
      const key = affinity(queue[i]!.topic, queue[i]!.attributes);
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
    Promise.resolve()
      .then(() => handler(JSON.parse(next.body) as unknown, next.attributes))
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
      this.backingOff++;
      const delay = Math.random() * (this.options.retryBackoffMs ?? 50) * 2 ** (delivery.attempts - 1);
      setTimeout(() => {
        this.backingOff--;
        if (!this.closed) {
          queue.push(delivery);
          if (queue === this.mainQueue) this.runMainThread();
          else this.dispatch();
        }
        this.wake();
      }, delay);
      return;
    }
    delivery.settled?.reject(
      new MetdbError('unavailable', `${delivery.topic} failed: ${error.message}`, { kind: error.kind }),
    );
    this.deadLetters.push({
      topic: delivery.topic,
      messageId: delivery.id,
      message: JSON.parse(delivery.body) as unknown,
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

/** A message as JSON text, as Pub/Sub carries it; a value JSON cannot carry is refused. */
function jsonOf(topic: WorkerKind, message: unknown): string {
  const body = JSON.stringify(message);
  if (body === undefined) {
    throw new MetdbError('invalid-argument', `a ${topic} message must be a JSON value`);
  }
  return body;
}
