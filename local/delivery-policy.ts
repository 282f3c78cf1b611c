import { MetdbError, type ErrorCode } from '../shared/errors/metdb-error.js';
import { outcomeOfUseCaseFailure } from '../shared/pipeline/decide-outcome.js';
import type { SerializedError } from './worker-protocol.js';

/** What the local bus does with a delivery that failed. */
export type DeliveryVerdict = 'retry' | 'dead-letter';

export interface DeliveryPolicyOptions {
  /** Deliveries of a message before it is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt spent, with full jitter. @default 50 */
  retryBackoffMs?: number;
}

/**
 * The functions' ack / retry rule (`decideOutcome`) with Pub/Sub's bounded attempts and backoff,
 * for the local bus. What the cloud acknowledges as a permanent failure is dead-lettered here at
 * once: nothing else on a laptop would report it.
 */
export class DeliveryPolicy {
  readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(options: DeliveryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.retryBackoffMs ?? 50;
  }

  /** The verdict on a delivery that failed with `error` after `attempts` deliveries. */
  verdict(error: SerializedError, attempts: number): DeliveryVerdict {
    const outcome = outcomeOfUseCaseFailure(errorOf(error));
    if (outcome.action === 'ack') return 'dead-letter';
    return attempts < this.maxAttempts ? 'retry' : 'dead-letter';
  }

  /** How long a message waits before its next delivery, in ms (as Pub/Sub's retry policy backs off). */
  retryDelayMs(attempts: number): number {
    return Math.random() * this.backoffMs * 2 ** (attempts - 1);
  }
}

/** The error a worker reported, rebuilt for `decideOutcome`: ours keep their kind, others are bugs. */
function errorOf(error: SerializedError): unknown {
  if (error.code === undefined) return new Error(error.message);
  return new MetdbError(error.code as ErrorCode, error.message, { kind: error.kind });
}
