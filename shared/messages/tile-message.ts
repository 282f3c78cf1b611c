import { z } from 'zod';
import type { MessageAttributes } from '../ports/bus.js';
import { parseMessage, SCHEMA_VERSION } from './parse-message.js';
import { RegistrationParamsSchema } from './registration-params.js';

const MAX_DIMENSIONS = 3;

/** An image as a tile worker reads it: its id, where its canonical bytes are, and what they decode to. */
export const ImageRefSchema = z.strictObject({
  imageId: z.uuid(),
  /** Bucket holding the canonical object (absent: the deployment's results bucket). */
  bucket: z.string().min(1).max(222).optional(),
  /** Object name of the canonical image, `datasets/<datasetId>/images/<imageId>.<ext>`. */
  path: z.string().min(1).max(1024),
  /** Decoded shape, axis order (z,) y, x, in pixels. */
  shape: z.array(z.int().min(1)).min(2).max(MAX_DIMENSIONS),
  pixelType: z.enum(['uint8', 'uint16', 'float32']),
  /**
   * The image is a time series (its decoded stack holds frames of `shape` along axis 0) and this
   * is the sum of its frames `[start, start + count)`: one frame, or a time bin (`binFrames`).
   */
  frames: z.strictObject({ start: z.int().min(0), count: z.int().min(1).max(10_000) }).optional(),
});
export type ImageRef = z.output<typeof ImageRefSchema>;

/** A tile: the box `[start, start + size)` along each axis, (z,) y, x, in reference pixels. */
export const TileRegionSchema = z
  .strictObject({
    start: z.array(z.int().min(0)).min(2).max(MAX_DIMENSIONS),
    size: z.array(z.int().min(1)).min(2).max(MAX_DIMENSIONS),
  })
  .refine((r) => r.start.length === r.size.length, 'start and size must have one entry per axis');
export type TileRegion = z.output<typeof TileRegionSchema>;

/**
 * Topic `tiles`: register one tile of a moving image against the same tile of the reference.
 * Self-contained: the worker needs no database read to do the numerics. Idempotency key:
 * `(jobId, tileIndex)`.
 */
export const TileMessageSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    jobId: z.uuid(),
    /** 0-based, `< tileCount`. */
    tileIndex: z.int().min(0),
    tileCount: z.int().min(1).max(1_000_000),
    datasetId: z.uuid(),
    reference: ImageRefSchema,
    moving: ImageRefSchema,
    region: TileRegionSchema,
    /**
     * Whole-pixel shift of the pair predicted by the planner (`predictShift`), (z,) y, x: the
     * moving tile is cut at `region.start - offset`, clamped into the image. Absent: zeros.
     */
    offset: z.array(z.int().min(-1_000_000).max(1_000_000)).min(2).max(MAX_DIMENSIONS).optional(),
    /**
     * The whole-image transform planned for a rigid or similarity job (2D only): the moving tile is
     * resampled through it into the reference tile's frame (x, y pixels, moving -> reference; see
     * docs/messages.md), and the tile's shift is what is left. Exclusive with `offset`.
     */
    matrix: z
      .array(z.array(z.number().refine(Number.isFinite, 'must be finite')).length(3))
      .length(3)
      .optional(),
    params: RegistrationParamsSchema,
  })
  .superRefine((m, ctx) => {
    if (m.matrix !== undefined && (m.offset !== undefined || m.region.start.length !== 2)) {
      ctx.addIssue({ code: 'custom', path: ['matrix'], message: 'needs a 2D region and no offset' });
    }
    if (m.offset !== undefined && m.offset.length !== m.region.start.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['offset'],
        message: 'must have one entry per axis of the region',
      });
    }
    if (m.tileIndex >= m.tileCount) {
      ctx.addIssue({
        code: 'custom',
        path: ['tileIndex'],
        message: `must be below tileCount ${m.tileCount}`,
      });
    }
    for (const [which, image] of [['reference', m.reference] as const, ['moving', m.moving] as const]) {
      if (image.shape.length !== m.region.start.length) {
        ctx.addIssue({
          code: 'custom',
          path: [which, 'shape'],
          message: 'must have as many axes as the region',
        });
        continue;
      }
      image.shape.forEach((extent, axis) => {
        const end = (m.region.start[axis] ?? 0) + (m.region.size[axis] ?? 0);
        if (end > extent) {
          ctx.addIssue({
            code: 'custom',
            path: ['region'],
            message: `ends at ${end} on axis ${axis}, beyond the ${which} image's ${extent} pixels`,
          });
        }
      });
    }
  });
export type TileMessage = z.output<typeof TileMessageSchema>;

/** Validates a decoded tile message; throws a permanent `MetdbError('invalid-message')`. */
export function parseTileMessage(value: unknown): TileMessage {
  return parseMessage(TileMessageSchema, value, 'tile message');
}

/** Pub/Sub attributes published with a tile message (for filtering and logs; the body is the truth). */
export function tileMessageAttributes(m: TileMessage): MessageAttributes {
  return { schemaVersion: String(m.schemaVersion), jobId: m.jobId, tileIndex: String(m.tileIndex) };
}
