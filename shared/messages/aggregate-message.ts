import { z } from 'zod';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';

/**
 * Topic `aggregate`: every tile of the job is recorded; solve the per-image transform.
 * Published by the one tile worker whose result completed the job. Idempotency key: `jobId`.
 */
export const AggregateMessageSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  jobId: z.uuid(),
});
export type AggregateMessage = z.output<typeof AggregateMessageSchema>;

export function parseAggregateMessage(value: unknown): AggregateMessage {
  return parseMessage(AggregateMessageSchema, value, 'aggregate message');
}

export function aggregateMessageAttributes(m: AggregateMessage): MessageAttributes {
  return { schemaVersion: String(m.schemaVersion), jobId: m.jobId };
}
