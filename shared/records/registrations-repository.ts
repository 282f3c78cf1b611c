/**
 * Registrations: the aggregated result of a job for an image (final shift or transform,
 * residuals, quality figures). Upserted by (job_id, image_id) so that a re-run aggregation
 * overwrites its own result instead of failing or duplicating.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import {
  QUALITY_VALUES,
  type Database,
  type RegistrationRow,
  type RegistrationsTable,
} from './database-schema.js';
import { check, fromJsonText, nowIso, toJsonText, validateRow } from './validate-row.js';
import { sqlDialectOf } from './sql-dialect-of.js';
import { toDatabaseError } from './database-error.js';
import { shiftMatrix } from '../registration/similarity/transform-matrix.js';
import { AFFINE_MODELS } from '../aggregation/section-transform.js';

type Db = Kysely<Database>;

const nullableReal = () => check.real().nullable().optional();

const registrationSchema = z.object({
  job_id: check.id(),
  image_id: check.id(),
  /** Final shift registering the moving image onto the reference, pixels, per axis. */
  shift_z: nullableReal(),
  shift_y: check.real(),
  shift_x: check.real(),
  /** A richer transform (matrix, drift trajectory...), as JSON. */
  transform: check.json().optional(),
  /** Root mean square and largest tile residual after the robust solve, pixels. */
  residual_rms: z.number().min(0).nullable().optional(),
  residual_max: z.number().min(0).nullable().optional(),
  /** Per-tile residuals or other detail, as JSON. */
  residuals: check.json().optional(),
  /** Normalised cross-correlation of the pair before and after applying the shift, in [-1, 1]. */
  ncc_before: check.realIn(-1, 1).nullable().optional(),
  ncc_after: check.realIn(-1, 1).nullable().optional(),
  tiles_used: check.int(0),
  tiles_rejected: check.int(0),
  /** The verdict on the registration and the findings behind it (docs/quality.md). */
  quality: z.enum(QUALITY_VALUES).nullable().optional(),
  quality_reasons: z.array(check.text(1024)).nullable().optional(),
  /** NCC reached by unrelated overlaps of the pair (the permutation test's chance level). */
  ncc_chance: check.realIn(-1, 1).nullable().optional(),
  /** The transform model; absent: 'translation'. The affine models need migration 0011 (32 characters). */
  model: z.enum(['translation', 'rigid', 'similarity', ...AFFINE_MODELS]).optional(),
  /** The homogeneous matrix (moving -> reference, (x, y) pixels); absent: the shift's. */
  matrix: z.array(z.array(check.real()).min(3).max(4)).min(3).max(4).optional(),
  /** Rotation (degrees) and scale of a rigid or similarity matrix. */
  angle: check.real().nullable().optional(),
  scale: z.number().positive().nullable().optional(),
});
export type NewRegistration = z.input<typeof registrationSchema>;

/** Inserts or replaces the registration of (job_id, image_id); created_at is kept on replace. */
export async function upsertRegistration(db: Db, input: NewRegistration): Promise<void> {
  const v = validateRow('registrations', registrationSchema, input);
  const now = nowIso();
  const values = {
    shift_z: v.shift_z ?? null,
    shift_y: v.shift_y,
    shift_x: v.shift_x,
    transform: toJsonText(v.transform),
    residual_rms: v.residual_rms ?? null,
    residual_max: v.residual_max ?? null,
    residuals: toJsonText(v.residuals),
    ncc_before: v.ncc_before ?? null,
    ncc_after: v.ncc_after ?? null,
    tiles_used: v.tiles_used,
    tiles_rejected: v.tiles_rejected,
    quality: v.quality ?? null,
    quality_reasons: toJsonText(v.quality_reasons),
    ncc_chance: v.ncc_chance ?? null,
    model: v.model ?? 'translation',
    matrix: JSON.stringify(
      v.matrix ??
        shiftMatrix(
          v.shift_z === null || v.shift_z === undefined
            ? [v.shift_y, v.shift_x]
            : [v.shift_z, v.shift_y, v.shift_x],
        ),
    ),
    angle: v.angle ?? null,
    scale: v.scale ?? null,
    updated_at: now,
  };
  const row: RegistrationsTable = { job_id: v.job_id, image_id: v.image_id, created_at: now, ...values };
  const insert = db.insertInto('registrations').values(row);
  try {
    if (sqlDialectOf(db) === 'mysql') await insert.onDuplicateKeyUpdate(values).execute();
    else await insert.onConflict((oc) => oc.columns(['job_id', 'image_id']).doUpdateSet(values)).execute();
  } catch (error) {
    throw toDatabaseError(error, 'upsert registration');
  }
}

export async function getRegistration(
  db: Db,
  jobId: string,
  imageId: string,
): Promise<RegistrationRow | undefined> {
  const row = await db
    .selectFrom('registrations')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('image_id', '=', imageId)
    .executeTakeFirst();
  return row && toRegistrationRow(row);
}

/** Every registration of an image across job versions, oldest job first. */
export async function listRegistrationsForImage(db: Db, imageId: string): Promise<RegistrationRow[]> {
  const rows = await db
    .selectFrom('registrations')
    .selectAll()
    .where('image_id', '=', imageId)
    .orderBy('job_id')
    .execute();
  return rows.map(toRegistrationRow);
}

function toRegistrationRow(row: RegistrationsTable): RegistrationRow {
  return {
    ...row,
    transform: fromJsonText(row.transform),
    residuals: fromJsonText(row.residuals),
    quality_reasons: fromJsonText(row.quality_reasons) as string[] | null,
    matrix: (fromJsonText(row.matrix) as number[][] | null | undefined) ?? null,
  };
}
