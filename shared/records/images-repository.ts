/**
 * Images: one row per distinct upload. Deduplicated twice: by upload key (bucket, object,
 * generation: a re-delivered storage event) and by content hash within a dataset (the same
 * bytes uploaded again). Plain functions taking a Kysely instance or a transaction first.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import {
  IMAGE_STATUSES,
  PIXEL_TYPES,
  type Database,
  type ImageRow,
  type ImagesTable,
} from './database-schema.js';
import { check, nowIso, validateRow } from './validate-row.js';
import { newId } from './new-id.js';
import { canonicalImagePath, extensionOf } from './canonical-image-path.js';
import { toDatabaseError } from './database-error.js';
import { MetdbError } from '../errors/metdb-error.js';

type Db = Kysely<Database>;

/** The stored key of an upload: SHA-256 hex of the JSON array [bucket, object, generation]. */
export function imageSourceKey(bucket: string, object: string, generation: string | number): string {
  return createHash('sha256')
    .update(JSON.stringify([bucket, object, String(generation)]))
    .digest('hex');
}

const generation = () =>
  z.union([
    z.string().regex(/^[0-9A-Za-z._:-]{1,32}$/, 'expected 1-32 letters, digits or ._:-'),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).transform(String),
  ]);

const metadataFields = {
  byte_size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  content_hash: check.sha256().nullable().optional(),
  width: check.int(1).nullable().optional(),
  height: check.int(1).nullable().optional(),
  depth: check.int(1).nullable().optional(),
  channels: check.int(1, 1024).nullable().optional(),
  pages: check.int(1).nullable().optional(),
  pixel_type: z.enum(PIXEL_TYPES).nullable().optional(),
  pixel_size_x: check.real().positive().nullable().optional(),
  pixel_size_y: check.real().positive().nullable().optional(),
  pixel_size_z: check.real().positive().nullable().optional(),
  pixel_size_unit: check.text(8).nullable().optional(),
  size_t: check.int(1).nullable().optional(),
  size_z: check.int(1).nullable().optional(),
  axes_source: z.enum(['imagej', 'ome', 'mrc', 'pages']).nullable().optional(),
  status: z.enum(IMAGE_STATUSES).optional(),
  failure_reason: check.text(1024).nullable().optional(),
};

function failedNeedsReason(
  v: { status?: string | undefined; failure_reason?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.status === 'failed' && (v.failure_reason ?? null) === null) {
    ctx.addIssue({ code: 'custom', path: ['failure_reason'], message: "required when status is 'failed'" });
  }
}

const newImageSchema = z
  .object({
    id: check.id().optional(),
    dataset_id: check.id(),
    source_bucket: check.text(222),
    source_object: check.text(1024),
    source_generation: generation(),
    /** Lowercase file extension of the canonical object; default: from source_object. */
    format: z
      .string()
      .regex(/^[a-z0-9]{1,10}$/, 'expected 1-10 lowercase letters or digits')
      .optional(),
    ...metadataFields,
  })
  .superRefine(failedNeedsReason);
export type NewImage = z.input<typeof newImageSchema>;

export interface InsertImageOutcome {
  image: ImageRow;
  /** True when this call inserted the row. */
  created: boolean;
  /** When not created: which key matched an existing row. */
  duplicateOf?: 'source' | 'content';
}

/**
 * Inserts an image (status `received` unless given), or returns the existing row with the same
 * upload key, or else the same (dataset, content hash). The ID and the canonical storage path
 * are assigned here.
 */
export async function insertImageOrGet(db: Db, input: NewImage): Promise<InsertImageOutcome> {
  const v = validateRow('images', newImageSchema, input);
  const id = v.id ?? newId();
  const format = v.format ?? extensionOf(v.source_object);
  const now = nowIso();
  const row: ImagesTable = {
    id,
    dataset_id: v.dataset_id,
    source_key: imageSourceKey(v.source_bucket, v.source_object, v.source_generation),
    source_bucket: v.source_bucket,
    source_object: v.source_object,
    source_generation: v.source_generation,
    storage_path: canonicalImagePath(v.dataset_id, id, format),
    format,
    byte_size: v.byte_size ?? null,
    content_hash: v.content_hash ?? null,
    width: v.width ?? null,
    height: v.height ?? null,
    depth: v.depth ?? null,
    channels: v.channels ?? null,
    pages: v.pages ?? null,
    pixel_type: v.pixel_type ?? null,
    pixel_size_x: v.pixel_size_x ?? null,
    pixel_size_y: v.pixel_size_y ?? null,
    pixel_size_z: v.pixel_size_z ?? null,
    pixel_size_unit: v.pixel_size_unit ?? null,
    size_t: v.size_t ?? null,
    size_z: v.size_z ?? null,
    axes_source: v.axes_source ?? null,
    status: v.status ?? 'received',
    failure_reason: v.failure_reason ?? null,
    created_at: now,
    updated_at: now,
  };
  try {
    const result = await db.insertInto('images').orIgnore().values(row).executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return { image: row, created: true };
    const bySource = await db
      .selectFrom('images')
      .selectAll()
      .where('source_key', '=', row.source_key)
      .executeTakeFirst();
    if (bySource !== undefined) return { image: bySource, created: false, duplicateOf: 'source' };
    if (row.content_hash !== null) {
      const byContent = await getImageByContentHash(db, row.dataset_id, row.content_hash);
      if (byContent !== undefined) return { image: byContent, created: false, duplicateOf: 'content' };
    }
    // MySQL's INSERT IGNORE also turns a foreign key failure into a warning.
    throw new MetdbError('not-found', `images: dataset ${row.dataset_id} does not exist`, {
      details: { table: 'images', field: 'dataset_id', value: row.dataset_id },
    });
  } catch (error) {
    throw toDatabaseError(error, 'insert image');
  }
}

export async function getImage(db: Db, id: string): Promise<ImageRow | undefined> {
  return db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getImageBySource(
  db: Db,
  source: { bucket: string; object: string; generation: string | number },
): Promise<ImageRow | undefined> {
  const key = imageSourceKey(source.bucket, source.object, source.generation);
  return db.selectFrom('images').selectAll().where('source_key', '=', key).executeTakeFirst();
}

export async function getImageByContentHash(
  db: Db,
  datasetId: string,
  contentHash: string,
): Promise<ImageRow | undefined> {
  return db
    .selectFrom('images')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('content_hash', '=', contentHash)
    .executeTakeFirst();
}

/** A dataset's images, oldest first (IDs are time-sortable, so this is upload order). */
export async function listImages(
  db: Db,
  datasetId: string,
  options: { status?: ImageRow['status'] } = {},
): Promise<ImageRow[]> {
  let q = db.selectFrom('images').selectAll().where('dataset_id', '=', datasetId);
  if (options.status !== undefined) q = q.where('status', '=', options.status);
  return q.orderBy('id').execute();
}

const imagePatchSchema = z.object(metadataFields).superRefine(failedNeedsReason);
export type ImagePatch = z.input<typeof imagePatchSchema>;

/**
 * Updates an image's metadata and/or status (e.g. `received` -> `ingested` with its size, or
 * -> `failed` with a reason). Returns the updated row, or undefined if there is no such image.
 * A content hash already used in the dataset is a MetdbError('conflict').
 */
export async function updateImage(db: Db, id: string, patch: ImagePatch): Promise<ImageRow | undefined> {
  validateRow('images', z.object({ id: check.id() }), { id });
  const v = validateRow('images', imagePatchSchema, patch);
  const set: Partial<ImagesTable> = { updated_at: nowIso() };
  for (const [key, value] of Object.entries(v)) {
    if (value !== undefined) (set as Record<string, unknown>)[key] = value;
  }
  if (v.status !== undefined && v.status !== 'failed' && v.failure_reason === undefined)
    set.failure_reason = null;
  try {
    await db.updateTable('images').set(set).where('id', '=', id).execute();
    return await getImage(db, id);
  } catch (error) {
    throw toDatabaseError(error, 'update image');
  }
}
