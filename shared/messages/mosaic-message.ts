import { z } from 'zod';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';

/**
 * Topic `mosaics`: every item of the mosaic is recorded; solve its positions and write its
 * outputs. Published by the one edge worker whose result completed the mosaic (or by the sweep).
 * Idempotency key: `mosaicId`.
 */
export const MosaicMessageSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  mosaicId: z.uuid(),
});
export type MosaicMessage = z.output<typeof MosaicMessageSchema>;

export function parseMosaicMessage(value: unknown): MosaicMessage {
  return parseMessage(MosaicMessageSchema, value, 'mosaic message');
}

export function mosaicMessageAttributes(m: MosaicMessage): MessageAttributes {
  return { schemaVersion: String(m.schemaVersion), mosaicId: m.mosaicId };
}
