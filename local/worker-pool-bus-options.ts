/**
 * The contract of `WorkerPoolBus`: what it is given (handlers, options) and what it reports
 * (settled deliveries, dead letters).
 */
import type { Logger } from '../shared/logging/logger.js';
import type { MessageAttributes, TopicName } from '../shared/ports/bus.js';
import type { BatchResult, SerializedError } from './worker-protocol.js';

/** A message handled on the main thread (aggregation, reprocessing). */
export type MainThreadHandler = (message: unknown, attributes: MessageAttributes) => Promise<unknown>;

/** Completes a unit's outcomes on the main thread (see `WorkerPoolBusOptions.complete`): one result per outcome. */
export type UnitCompletion = (outcomes: readonly unknown[]) => Promise<BatchResult[]>;

export interface WorkerPoolBusOptions {
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /**
   * The topics the workers handle, highest priority first: a free worker takes the
   * oldest message of the first kind that has one. Other topics go to `mainThread`.
   * @default ['tiles']
   */
  workerKinds?: readonly TopicName[];
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
  complete?: Readonly<Partial<Record<TopicName, UnitCompletion>>>;
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
  batchSizes?: Readonly<Partial<Record<TopicName, number>>>;
  /**
   * A message's preferred worker, from its attributes: worker `key % workers` takes it if it
   * comes up among the next `AFFINITY_WINDOW` waiting messages of its kind; otherwise any free
   * worker takes the oldest. Use it to keep work that shares a per-process cache on one worker
   * (the tiles of one position, whose prepared reference tile is then computed once, not once per
   * worker).
   * @default none
   */
  affinity?: (kind: TopicName, attributes: MessageAttributes) => number | undefined;
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
