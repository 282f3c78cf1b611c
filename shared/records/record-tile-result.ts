/**
 * The exactly-once fan-in primitive. Tile messages are delivered at least once, in any order,
 * concurrently; the job must be aggregated exactly once, by whoever records its last distinct
 * tile. In one transaction (per tile, or per batch of tiles, `recordTileResults`):
 *   1. lock the job row (MySQL `SELECT ... FOR UPDATE`; SQLite `BEGIN IMMEDIATE`),
 *   2. insert-ignore the tile result (primary key job_id, tile_index),
 *   3. only if a row was inserted: `tiles_done = tiles_done + 1` (+ n for n rows inserted),
 *   4. `UPDATE jobs SET state = 'aggregating' WHERE id = ? AND state = 'running'
 *       AND tiles_done = tiles_total`.
 * The single caller whose step 4 changes a row gets `completedJob: true` and triggers the
 * aggregation (which must itself still be idempotent: the trigger message can be redelivered).
 *
 * MySQL: deadlocks and lock wait timeouts rerun the transaction (bounded, with jittered
 * backoff). SQLite: the transaction runs synchronously on the raw better-sqlite3 connection, so
 * nothing else in this process interleaves with it; other processes wait on `busy_timeout`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { QUALITY_VALUES, type Database, type TileResultsTable } from './database-schema.js';
import { check, nowIso, validateRow } from './validate-row.js';
import { MetdbError } from '../errors/metdb-error.js';
import { sqliteHandleOf, type SqliteHandle } from '../adapters/sqlite-connection.js';
import { sqlDialectOf } from './sql-dialect-of.js';
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
  const raw = sqliteHandleOf(db);
  if (raw !== undefined) {
    return withLockRetry(
      'record tile result',
      () => db.connection().execute(() => Promise.resolve(recordSqliteSync(raw, rows))),
      options,
    );
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
  const inserted: boolean[] = [];
  const counts = new Map<string, number>();
  for (const row of rows) {
    checkJob(jobs.get(row.job_id), row);
    const result = await trx.insertInto('tile_results').orIgnore().values(row).executeTakeFirst();
    const added = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    inserted.push(added);
    if (added) counts.set(row.job_id, (counts.get(row.job_id) ?? 0) + 1);
  }
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
    const done = await trx
      .updateTable('jobs')
      .set({ state: 'aggregating', updated_at: now })
      .where('id', '=', jobId)
      .where('state', '=', 'running')
      .whereRef('tiles_done', '=', 'tiles_total')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) > 0) completed.add(jobId);
  }
  return outcomesOf(rows, inserted, completed);
}

/**
 * The SQLite statements, written out (what Kysely compiles the statements of `recordIn` to) and
 * prepared once per connection: the fan-in runs for every tile, and building, compiling and
 * preparing four queries each time cost more than running them.
 */
const SQLITE = {
  job: 'select "id", "state", "tiles_total" from "jobs" where "id" = ?',
  insert:
    'insert or ignore into "tile_results" ("job_id", "tile_index", "region", "shift_z", "shift_y", "shift_x", ' +
    '"peak", "error", "weight", "skipped", "skip_reason", "duration_ms", "created_at", "quality") ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  count: 'update "jobs" set "tiles_done" = "tiles_done" + ?, "updated_at" = ? where "id" = ?',
  complete:
    'update "jobs" set "state" = \'aggregating\', "updated_at" = ? where "id" = ? and "state" = \'running\' ' +
    'and "tiles_done" = "tiles_total"',
} as const;

type Statement = BetterSqlite3.Statement<unknown[]>;
type Statements = Record<keyof typeof SQLITE, Statement>;
const prepared = new WeakMap<SqliteHandle, Statements>();

function statementsOf(raw: SqliteHandle): Statements {
  let s = prepared.get(raw);
  if (s === undefined) {
    s = {
      job: raw.prepare<unknown[]>(SQLITE.job),
      insert: raw.prepare<unknown[]>(SQLITE.insert),
      count: raw.prepare<unknown[]>(SQLITE.count),
      complete: raw.prepare<unknown[]>(SQLITE.complete),
    };
    prepared.set(raw, s);
  }
  return s;
}

/** The fan-in on SQLite: synchronous, in one `BEGIN IMMEDIATE` transaction (nothing interleaves). */
function recordSqliteSync(raw: SqliteHandle, rows: readonly TileResultsTable[]): RecordTileOutcome[] {
  const s = statementsOf(raw);
  const now = rows[0]!.created_at;
  const transaction = raw.transaction((): RecordTileOutcome[] => {
    const jobs = new Map<string, { tiles_total: number } | undefined>();
    for (const jobId of jobIdsOf(rows)) {
      jobs.set(jobId, s.job.get(jobId) as { tiles_total: number } | undefined);
    }
    const inserted: boolean[] = [];
    const counts = new Map<string, number>();
    for (const r of rows) {
      checkJob(jobs.get(r.job_id), r);
      const added =
        s.insert.run(
          r.job_id,
          r.tile_index,
          r.region,
          r.shift_z,
          r.shift_y,
          r.shift_x,
          r.peak,
          r.error,
          r.weight,
          r.skipped,
          r.skip_reason,
          r.duration_ms,
          r.created_at,
          r.quality,
        ).changes > 0;
      inserted.push(added);
      if (added) counts.set(r.job_id, (counts.get(r.job_id) ?? 0) + 1);
    }
    const completed = new Set<string>();
    for (const jobId of jobs.keys()) {
      const count = counts.get(jobId) ?? 0;
      if (count > 0) s.count.run(count, now, jobId);
      if (s.complete.run(now, jobId).changes > 0) completed.add(jobId);
    }
    return outcomesOf(rows, inserted, completed);
  });
  return transaction.immediate();
}
