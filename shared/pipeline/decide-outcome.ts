import { isMetdbError } from '../errors/metdb-error.js';
import type { Severity } from '../logging/log-entry.js';

/**
 * What the edge does with a delivery, as data. `ack` returns normally (HTTP 2xx: Pub/Sub forgets
 * the message); `retry` throws (HTTP 500: Pub/Sub redelivers with the subscription's backoff, and
 * after `maxDeliveryAttempts` moves it to the dead-letter topic).
 *
 * | stage | error                         | action | why                                                        |
 * |-------|-------------------------------|--------|------------------------------------------------------------|
 * | parse | none, message says "ignore"   | ack    | e.g. an OBJECT_DELETE notification                         |
 * | parse | any (malformed, bad version)  | retry  | a poison message: bounded retries, then the dead-letter topic |
 * | run   | none                          | ack    | done                                                       |
 * | run   | MetdbError kind `permanent`   | ack    | the use case recorded it (e.g. image row `failed`)         |
 * | run   | MetdbError kind `transient`   | retry  | database, network, quota: it may work next time            |
 * | run   | anything else                 | retry  | a bug: bounded retries, then the dead-letter topic          |
 */
export type Outcome =
  | {
      readonly action: 'ack';
      readonly reason: 'done' | 'ignored';
      readonly severity: Severity;
      readonly detail?: string;
    }
  | {
      readonly action: 'ack';
      readonly reason: 'permanent-failure';
      readonly severity: 'ERROR';
      readonly error: unknown;
    }
  | {
      readonly action: 'retry';
      readonly reason: 'malformed' | 'transient-failure' | 'unexpected-failure';
      readonly severity: 'ERROR' | 'WARNING';
      readonly error: unknown;
    };

/** The outcome of a delivery whose event could not be parsed into a valid message. */
export function outcomeOfParseFailure(error: unknown): Outcome {
  return { action: 'retry', reason: 'malformed', severity: 'ERROR', error };
}

/** The outcome of a valid message whose use case threw `error`. */
export function outcomeOfUseCaseFailure(error: unknown): Outcome {
  if (isMetdbError(error) && error.kind === 'permanent') {
    return { action: 'ack', reason: 'permanent-failure', severity: 'ERROR', error };
  }
  if (isMetdbError(error))
    return { action: 'retry', reason: 'transient-failure', severity: 'WARNING', error };
  return { action: 'retry', reason: 'unexpected-failure', severity: 'ERROR', error };
}

/** The one line logged for an outcome. */
export function describeOutcome(name: string, outcome: Outcome): string {
  const what =
    'error' in outcome
      ? `: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`
      : '';
  switch (outcome.reason) {
    case 'done':
      return `${name}: done`;
    case 'ignored':
      return `${name}: ignored (${outcome.detail ?? 'nothing to do'})`;
    case 'permanent-failure':
      return `${name}: failed permanently, recorded and acknowledged${what}`;
    case 'malformed':
      return `${name}: malformed message, rejected; it goes to the dead-letter topic after the subscription's max delivery attempts${what}`;
    case 'transient-failure':
      return `${name}: transient failure, will be retried${what}`;
    case 'unexpected-failure':
      return `${name}: unexpected error, will be retried then dead-lettered${what}`;
  }
}
