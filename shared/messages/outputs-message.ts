import { z } from 'zod';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';

/**
 * Topic `outputs`: a job of the dataset has settled (`done` or `failed`); write the dataset's
 * outputs to the results bucket once none of its jobs is still in progress. Published by the
 * `aggregate` delivery that found the job settled. Idempotency: the outputs' prefix and bytes
 * come from the records alone, so every delivery writes the same objects.
 */
export const OutputsMessageSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  datasetId: z.uuid(),
  /** The job whose settling triggered this message (for the logs; the outputs are the dataset's). */
  jobId: z.uuid(),
});
export type OutputsMessage = z.output<typeof OutputsMessageSchema>;

export function parseOutputsMessage(value: unknown): OutputsMessage {
  return parseMessage(OutputsMessageSchema, value, 'outputs message');
}

export function outputsMessageAttributes(m: OutputsMessage): MessageAttributes {
  return { schemaVersion: String(m.schemaVersion), datasetId: m.datasetId, jobId: m.jobId };
}
