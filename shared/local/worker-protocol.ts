/**
 * The messages between the worker-pool bus (main thread) and its workers (`pool-worker.ts`).
 * Everything is structured-cloneable; message bodies are the JSON values published on the bus.
 */
import type { MessageAttributes, TopicName } from '../ports/bus.js';

/** An error as it crosses the thread boundary: its kind decides retry (transient) or dead letter. */
export interface SerializedError {
  readonly message: string;
  readonly kind: 'permanent' | 'transient';
  readonly code?: string;
}

export type MainToWorker =
  | {
      readonly type: 'deliver';
      readonly deliveryId: string;
      /** The topic of the message, or the task name (see `WorkerPoolBus.run`). */
      readonly kind: string;
      readonly message: unknown;
      readonly attributes: MessageAttributes;
    }
  | { readonly type: 'published'; readonly requestId: number; readonly messageId: string }
  | { readonly type: 'publish-failed'; readonly requestId: number; readonly error: SerializedError }
  | { readonly type: 'close' };

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly deliveryId: string; readonly outcome: unknown }
  | { readonly type: 'failed'; readonly deliveryId: string; readonly error: SerializedError }
  | {
      readonly type: 'publish';
      readonly requestId: number;
      readonly topic: TopicName;
      readonly message: unknown;
      readonly attributes: MessageAttributes;
    }
  | { readonly type: 'init-failed'; readonly error: SerializedError };

/** What a worker is told at start: which handler module to load and its (cloneable) options. */
export interface PoolWorkerData {
  /** URL of a module exporting `createWorkerHandler` (see `WorkerHandlerModule`). */
  readonly handlerModule: string;
  readonly handlerOptions: unknown;
}

/** The handler a worker runs for each delivered message, built once per worker. */
export interface WorkerHandler {
  /**
   * Handles one message (of topic or task `kind`); resolves with a cloneable outcome, throws to
   * fail the delivery.
   */
  handle(message: unknown, attributes: MessageAttributes, kind: string): Promise<unknown>;
  /** Releases the worker's resources (database connection...). */
  close(): Promise<void>;
}

/** What a worker's handler may use from its host: publishing back onto the bus. */
export interface WorkerHost {
  publish(topic: TopicName, message: unknown, attributes?: MessageAttributes): Promise<string>;
}

export interface WorkerHandlerModule {
  createWorkerHandler(options: unknown, host: WorkerHost): Promise<WorkerHandler>;
}
