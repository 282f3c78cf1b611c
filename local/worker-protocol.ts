/**
 * The messages between the worker-pool bus (main thread) and its workers (`pool-worker.ts`).
 * Everything is structured-cloneable. Message bodies cross as JSON text, as on Pub/Sub: the
 * publisher serialises, the handling worker parses, and the main thread only routes strings
 * (cheap to copy between threads, and nothing for it to walk or clone).
 */
import type { MessageAttributes, TopicName } from '../shared/ports/bus.js';

/** An error as it crosses the thread boundary: its kind decides retry (transient) or dead letter. */
export interface SerializedError {
  readonly message: string;
  readonly kind: 'permanent' | 'transient';
  readonly code?: string;
}

/** One delivery of a message to a worker. */
export interface WireDelivery {
  readonly deliveryId: string;
  /** The topic of the message. */
  readonly kind: string;
  /** The message as JSON text. */
  readonly body: string;
  readonly attributes: MessageAttributes;
}

/** What became of one delivery: the handler's outcome, or the error the delivery failed with. */
export type WireSettlement =
  | { readonly deliveryId: string; readonly outcome: unknown }
  | { readonly deliveryId: string; readonly error: SerializedError };

/** A message a worker's handler published, as JSON text. */
export interface WirePublication {
  readonly topic: TopicName;
  readonly body: string;
  readonly attributes: MessageAttributes;
}

export type MainToWorker =
  | {
      /**
       * Deliveries the worker handles together, as one unit (a batch when its handler has
       * `handleBatch`), after the units sent before.
       */
      readonly type: 'deliver';
      readonly deliveries: readonly WireDelivery[];
    }
  | {
      readonly type: 'published';
      readonly requestId: number;
      /** Per publication of the request, in order: its message id or why it was refused. */
      readonly results: readonly ({ readonly messageId: string } | { readonly error: SerializedError })[];
    }
  | {
      /** Something every worker should know (e.g. a decoded image to share, see `WorkerHandler.receive`). */
      readonly type: 'broadcast';
      readonly payload: unknown;
    }
  | { readonly type: 'close' };

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'settled'; readonly settlements: readonly WireSettlement[] }
  | {
      readonly type: 'publish';
      readonly requestId: number;
      readonly publications: readonly WirePublication[];
    }
  | { readonly type: 'broadcast'; readonly payload: unknown }
  | { readonly type: 'init-failed'; readonly error: SerializedError };

/** What a worker is told at start: which handler module to load and its (cloneable) options. */
export interface PoolWorkerData {
  /** URL of a module exporting `createWorkerHandler` (see `WorkerHandlerModule`). */
  readonly handlerModule: string;
  readonly handlerOptions: unknown;
}

/** One message of a batch given to `WorkerHandler.handleBatch`. */
export interface BatchItem {
  readonly message: unknown;
  readonly attributes: MessageAttributes;
}

/** The outcome of one message of a batch. */
export type BatchResult =
  { readonly ok: true; readonly outcome: unknown } | { readonly ok: false; readonly error: unknown };

/** The handler a worker runs for each delivered message, built once per worker. */
export interface WorkerHandler {
  /**
   * Handles one message (of topic or task `kind`); resolves with a cloneable outcome, throws to
   * fail the delivery.
   */
  handle(message: unknown, attributes: MessageAttributes, kind: string): Promise<unknown>;
  /**
   * Handles several messages of one kind together (the bus batches only the kinds it is told
   * to, see `WorkerPoolBusOptions.batchSizes`); one result per message, in order. Each message
   * must end as `handle` would have ended it. Absent: the messages go to `handle` one by one.
   */
  handleBatch?(items: readonly BatchItem[], kind: string): Promise<BatchResult[]>;
  /** Receives what another worker broadcast through its host (absent: broadcasts are ignored). */
  receive?(payload: unknown): void;
  /** Releases the worker's resources (database connection...). */
  close(): Promise<void>;
}

/** What a worker's handler may use from its host: publishing back onto the bus. */
export interface WorkerHost {
  publish(topic: TopicName, message: unknown, attributes?: MessageAttributes): Promise<string>;
  /** Sends `payload` to every other worker's `receive` (shared memory travels without a copy). */
  broadcast(payload: unknown): void;
}

export interface WorkerHandlerModule {
  createWorkerHandler(options: unknown, host: WorkerHost): Promise<WorkerHandler>;
}
