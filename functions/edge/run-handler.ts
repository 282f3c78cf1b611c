import type { LogFields } from '../../shared/logging/log-entry.js';
import { logger as processLogger, type Logger } from '../../shared/logging/logger.js';
import {
  describeOutcome,
  outcomeOfParseFailure,
  outcomeOfUseCaseFailure,
  type Outcome,
} from '../../shared/pipeline/decide-outcome.js';
import { isIgnored, type Ignored } from './ignored.js';

/** What a use case gets besides its message. */
export interface HandlerContext {
  /** A logger carrying the function name, the event id and the message's ids. */
  readonly logger: Logger;
  /** The CloudEvent id (for Pub/Sub deliveries: the message id). */
  readonly eventId: string;
}

export interface RunHandlerOptions<M> {
  /** @default the process logger (shared/logging/logger.ts) */
  logger?: Logger;
  /** Ids to put on every log line of this delivery (jobId, imageId, tileIndex...). @default none */
  fieldsOf?: (message: M) => LogFields;
}

/**
 * A CloudEvent function (for functions-framework's `cloudEvent` signature) made of a parser and
 * one use case. Parsing turns `unknown` into a validated message (or `Ignored`); the use case does
 * the work; `decide-outcome.ts` maps what happened to ack (return) or retry (throw). Every
 * delivery ends with exactly one log line saying which.
 */
export function runHandler<M>(
  name: string,
  parse: (event: unknown) => M | Ignored,
  useCase: (message: M, context: HandlerContext) => Promise<LogFields | void>,
  options: RunHandlerOptions<M> = {},
): (event: unknown) => Promise<void> {
  const base = options.logger ?? processLogger;
  return async (event: unknown) => {
    const eventId = eventIdOf(event);
    const { outcome, fields } = await handle(event, eventId);
    const fieldsOfLine = {
      component: name,
      messageId: eventId,
      outcome: outcome.action,
      reason: outcome.reason,
    };
    const log = base.child({ ...fieldsOfLine, ...fields });
    log[levelOf(outcome)](describeOutcome(name, outcome), 'error' in outcome ? { error: outcome.error } : {});
    if (outcome.action === 'retry') throw outcome.error;
  };

  async function handle(event: unknown, eventId: string): Promise<{ outcome: Outcome; fields: LogFields }> {
    let parsed: M | Ignored;
    try {
      parsed = parse(event);
    } catch (error) {
      return { outcome: outcomeOfParseFailure(error), fields: {} };
    }
    if (isIgnored(parsed)) {
      return {
        outcome: { action: 'ack', reason: 'ignored', severity: 'INFO', detail: parsed.reason },
        fields: {},
      };
    }
    const fields = options.fieldsOf?.(parsed) ?? {};
    const logger = base.child({ component: name, messageId: eventId, ...fields });
    try {
      const result = await useCase(parsed, { logger, eventId });
      return {
        outcome: { action: 'ack', reason: 'done', severity: 'INFO' },
        fields: { ...fields, ...(result ?? {}) },
      };
    } catch (error) {
      return { outcome: outcomeOfUseCaseFailure(error), fields };
    }
  }
}

function levelOf(outcome: Outcome): 'info' | 'warn' | 'error' {
  return outcome.severity === 'ERROR' ? 'error' : outcome.severity === 'WARNING' ? 'warn' : 'info';
}

function eventIdOf(event: unknown): string {
  const id = typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}
