import { z } from 'zod';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';

const finite = z.number().refine(Number.isFinite, 'must be finite');

/** A tile of a mosaic as the edge worker reads it: its canonical object and decoded shape. */
export const MosaicTileRefSchema = z.strictObject({
  imageId: z.uuid(),
  /** Object name of the canonical image in the results bucket. */
  path: z.string().min(1).max(1024),
});

/**
 * Topic `edges`: measure one item of a mosaic: an edge (two overlapping tiles, registered on their
 * expected overlap) or a null pair (two tiles that do not overlap, `b` turned by 180 degrees when
 * `turned`, registered with the geometry of a real edge: the NCC threshold's null distribution).
 * Self-contained: the worker reads the two tiles and records the measurement, nothing else.
 * Idempotency key: `(mosaicId, itemIndex)`.
 */
export const EdgeMessageSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    mosaicId: z.uuid(),
    /** 0-based: the edges first (plan order), then the null pairs. */
    itemIndex: z.int().min(0),
    itemCount: z.int().min(1).max(1_000_000),
    kind: z.enum(['edge', 'null']),
    a: MosaicTileRefSchema,
    b: MosaicTileRefSchema,
    /** Turn tile `b` by 180 degrees first (null pairs of small mosaics). */
    turned: z.boolean(),
    /** The geometry registered: tile indexes and nominal offset of b's top-left corner from a's, pixels. */
    pair: z.strictObject({ i: z.int().min(0), j: z.int().min(0), dx: finite, dy: finite }),
    /** Tile size, pixels: both tiles must decode to it. */
    width: z.int().min(1),
    height: z.int().min(1),
    /** Channel registered. */
    channel: z.int().min(0),
    /** `registerEdge`'s options. */
    options: z.strictObject({
      marginX: z.number().min(0),
      marginY: z.number().min(0),
      peaks: z.int().min(1).max(100).optional(),
      taper: z.number().min(0).max(1).optional(),
      minOverlap: z.number().min(0).max(1).optional(),
      climbs: z.int().min(0).max(100).optional(),
    }),
  })
  .refine((m) => m.itemIndex < m.itemCount, 'itemIndex must be below itemCount');
export type EdgeMessage = z.output<typeof EdgeMessageSchema>;

export function parseEdgeMessage(value: unknown): EdgeMessage {
  return parseMessage(EdgeMessageSchema, value, 'edge message');
}

export function edgeMessageAttributes(m: EdgeMessage): MessageAttributes {
  return {
    schemaVersion: String(m.schemaVersion),
    mosaicId: m.mosaicId,
    itemIndex: String(m.itemIndex),
    kind: m.kind,
  };
}
