/**
 * The exactly-once fan-in primitive. Tile messages are delivered at least once, in any order,
 * concurrently; the job must be aggregated exactly once, by whoever records its last distinct
 * tile. In one transaction (per tile, or per batch of tiles, `recordTileResults`):
 *   1. lock the job row (MySQL `SELECT ... FOR UPDATE`; SQLite has one writer at a time),
 *   2. insert the tile results not stored yet (primary key job_id, tile_index; one statement),
 *   3. only if a row was inserted: `tiles_done = tiles_done + 1` (+ n for n rows inserted),
 *   4. `UPDATE jobs SET state = 'aggregating' WHERE id = ? AND state = 'running'
 *       AND tiles_done >= tiles_total` (`completeJobIfAllTilesIn`, also run by `startJob`).
 * The single caller whose step 4 changes a row gets `completedJob: true` and triggers the
 * aggregation (which must itself still be idempotent: the trigger message can be redelivered).
 *
 * One implementation for both dialects (Kysely's statements). Deadlocks, lock wait timeouts and
 * SQLite's SQLITE_BUSY rerun the transaction (bounded, with jittered backoff); within a process
 * Kysely runs one SQLite transaction at a time on its single connection.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { QUALITY_VALUES, type Database, type TileResultsTable } from './database-schema.js';
import { check, nowIso, validateRow } from './validate-row.js';
import { MetdbError } from '../errors/metdb-error.js';
import { sqlDialectOf } from './sql-dialect-of.js';
import { completeJobIfAllTilesIn } from './jobs-repository.js';
import { toDatabaseError, withLockRetry, type RetryOptions } from './database-error.js';

const axisList = z.array(check.int(0)).min(2).max(3);
const regionSchema = z
  .object({ start: axisList, size: z.array(check.int(1)).min(2).max(3) })
  .refine((r) => r.start.length === r.size.length, {
    message: 'start and size need the same number of axes',
  });

const nullableReal = () => check.real().nullable().optional();

export const tileResultSchema = z
  .object({
    job_id: check.id(),
    tile_index: check.int(0),
    /** Pixels, axis order (z,) y, x. */
    region: regionSchema,
    /** Shift registering the moving tile onto the reference tile, in pixels (skimage convention). */
    shift_z: nullableReal(),
    shift_y: nullableReal(),
    shift_x: nullableReal(),
    /** Normalised cross-correlation peak height. */
    peak: nullableReal(),
    /** Translation-invariant normalised RMS error of the registered tiles, sqrt(1 - NCC²). */
    error: nullableReal(),
    /** Weight of this tile in the robust solve, >= 0. */
    weight: z.number().min(0).max(Number.MAX_VALUE).nullable().optional(),
    /** The tile was not registered (e.g. featureless); shifts may then be null. */
    skipped: z.boolean().optional(),
    skip_reason: check.text(255).nullable().optional(),
    duration_ms: check.int(0),
    /** The tile's verdict (`judgeTile`). */
    quality: z.enum(QUALITY_VALUES).nullable().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.skipped === true) return;
    for (const axis of ['shift_y', 'shift_x'] as const) {
      if (t[axis] === undefined || t[axis] === null)
        ctx.addIssue({ code: 'custom', path: [axis], message: 'required unless skipped' });
    }
    if (t.region.start.length === 3 && (t.shift_z === undefined || t.shift_z === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['shift_z'],
        message: 'required for a 3-D region unless skipped',
      });
    }
  });
export type NewTileResult = z.input<typeof tileResultSchema>;

export interface RecordTileOutcome {
  /** This call stored the tile (false: a duplicate delivery, nothing changed). */
  inserted: boolean;
  /** This call moved the job to `aggregating`: run the aggregation now. */
  completedJob: boolean;
}

/** Records one tile result: `recordTileResults` with one row. */
export async function recordTileResult(
  db: Kysely<Database>,
  input: NewTileResult,
  options: RetryOptions = {},
): Promise<RecordTileOutcome> {
  return (await recordTileResults(db, [input], options))[0]!;
}

/**
 * Records several tile results (of one job or several) in one transaction, with the rule of the
 * single fan-in applied to each row: insert-ignore it, count it in its job's `tiles_done` only if
 * it was inserted, then move each job whose count reached its total to `aggregating`. Exactly one
 * row in all calls, batched or not, gets `completedJob: true` for a job (the last inserted row of
 * that job in the batch that completed it). One transaction per batch instead of one per tile is
 * what makes a worker's many small tiles cheap to record; a failure (a bad row, a missing job)
 * rolls the whole batch back: record the rows one by one to isolate it.
 *
 * @returns one outcome per input, in order
 */
export async function recordTileResults(
  db: Kysely<Database>,
  inputs: readonly NewTileResult[],
  options: RetryOptions = {},
): Promise<RecordTileOutcome[]> {
  const rows = inputs.map(toTileResultsRow);
  if (rows.length === 0) return [];
  if (db.isTransaction) {
    try {
      return await recordIn(db, rows);
    } catch (error) {
      throw toDatabaseError(error, 'record tile result');
    }
  }
  return withLockRetry(
    'record tile result',
    () => db.transaction().execute((trx) => recordIn(trx, rows)),
    options,
  );
}

/** Validates a tile result (permanent `MetdbError('invalid-value')` naming the field) into its row. */
export function toTileResultsRow(input: NewTileResult): TileResultsTable {
  const v = validateRow('tile_results', tileResultSchema, input);
  return {
    job_id: v.job_id,
    tile_index: v.tile_index,
    region: JSON.stringify({ start: v.region.start, size: v.region.size }),
    shift_z: v.shift_z ?? null,
    shift_y: v.shift_y ?? null,
    shift_x: v.shift_x ?? null,
    peak: v.peak ?? null,
    error: v.error ?? null,
    weight: v.weight ?? null,
    skipped: v.skipped === true ? 1 : 0,
    skip_reason: v.skip_reason ?? null,
    duration_ms: v.duration_ms,
    created_at: nowIso(),
    quality: v.quality ?? null,
  };
}

function checkJob(job: { tiles_total: number } | undefined, row: TileResultsTable): void {
  if (job === undefined) {
    throw new MetdbError('not-found', `tile_results.job_id: no job ${row.job_id}`, {
      details: { table: 'tile_results', field: 'job_id', value: row.job_id },
    });
  }
  if (job.tiles_total > 0 && row.tile_index >= job.tiles_total) {
    throw new MetdbError(
      'invalid-value',
      `tile_results.tile_index: ${row.tile_index} is not below the job's tiles_total ${job.tiles_total}`,
      {
        details: { table: 'tile_results', field: 'tile_index', value: row.tile_index },
      },
    );
  }
}

/** The jobs of a batch in id order (MySQL locks them in that order: no deadlock between batches). */
function jobIdsOf(rows: readonly TileResultsTable[]): string[] {
  return [...new Set(rows.map((r) => r.job_id))].sort();
}

/**
 * Which row reports `completedJob` for each completed job: the last inserted row of that job in
 * the batch (else its last row, when the job was completed by an earlier, crashed count).
 */
function outcomesOf(
  rows: readonly TileResultsTable[],
  inserted: readonly boolean[],
  completed: ReadonlySet<string>,
): RecordTileOutcome[] {
  const outcomes = rows.map((_, i) => ({ inserted: inserted[i]!, completedJob: false }));
  for (const jobId of completed) {
    let pick = -1;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.job_id !== jobId) continue;
      if (pick < 0 || inserted[i] || !inserted[pick]) pick = i;
    }
    if (pick >= 0) outcomes[pick]!.completedJob = true;
  }
  return outcomes;
}

/** Rows per statement (13 columns a row: well below SQLite's and MySQL's placeholder limits). */
const CHUNK = 500;

async function recordIn(
  trx: Kysely<Database>,
  rows: readonly TileResultsTable[],
): Promise<RecordTileOutcome[]> {
  const now = rows[0]!.created_at;
  const mysql = sqlDialectOf(trx) === 'mysql';
  const jobs = new Map<string, { tiles_total: number } | undefined>();
  for (const jobId of jobIdsOf(rows)) {
    const lock = trx.selectFrom('jobs').select(['id', 'state', 'tiles_total']).where('id', '=', jobId);
    jobs.set(jobId, await (mysql ? lock.forUpdate() : lock).executeTakeFirst());
  }
  for (const row of rows) checkJob(jobs.get(row.job_id), row);
  // Which rows are new: the job locks order all writers of these jobs, so what is not stored yet
  // is inserted by this transaction alone (a row repeated within the batch counts once).
  const stored = new Set<string>();
  for (const jobId of jobs.keys()) {
    const indices = rows.filter((r) => r.job_id === jobId).map((r) => r.tile_index);
    for (let i = 0; i < indices.length; i += CHUNK) {
      const found = await trx
        .selectFrom('tile_results')
        .select('tile_index')
        .where('job_id', '=', jobId)
        .where('tile_index', 'in', indices.slice(i, i + CHUNK))
        .execute();
      for (const f of found) stored.add(`${jobId}/${f.tile_index}`);
    }
  }
  const inserted = rows.map((r) => {
    const key = `${r.job_id}/${r.tile_index}`;
    if (stored.has(key)) return false;
    stored.add(key);
    return true;
  });
  const fresh = rows.filter((_, i) => inserted[i]);
  for (let i = 0; i < fresh.length; i += CHUNK) {
    await trx
      .insertInto('tile_results')
      .values(fresh.slice(i, i + CHUNK))
      .execute();
  }
  const counts = new Map<string, number>();
  for (const r of fresh) counts.set(r.job_id, (counts.get(r.job_id) ?? 0) + 1);
  const completed = new Set<string>();
  for (const jobId of jobs.keys()) {
    const count = counts.get(jobId) ?? 0;
    if (count > 0) {
      await trx
        .updateTable('jobs')
        .set((eb) => ({ tiles_done: eb('tiles_done', '+', count), updated_at: now }))
        .where('id', '=', jobId)
        .execute();
    }
    if (await completeJobIfAllTilesIn(trx, jobId, now)) completed.add(jobId);
  }
  return outcomesOf(rows, inserted, completed);
}
