/**
 * The exactly-once fan-in primitive. Tile messages are delivered at least once, in any order,
 * concurrently; the job must be aggregated exactly once, by whoever records its last distinct
 * tile. In one transaction:
 *   1. lock the job row (MySQL `SELECT ... FOR UPDATE`; SQLite `BEGIN IMMEDIATE`),
 *   2. insert-ignore the tile result (primary key job_id, tile_index),
 *   3. only if a row was inserted: `tiles_done = tiles_done + 1`,
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
import type { Database, TileResultsTable } from './database-schema.js';
import { check, nowIso, validateRow } from './validate-row.js';
import { MetdbError } from '../errors/metdb-error.js';
import { sqliteHandleOf, type SqliteHandle } from './sqlite-connection.js';
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
    /** Registration error (skimage `error`). */
    error: nullableReal(),
    /** Weight of this tile in the robust solve, >= 0. */
    weight: z.number().min(0).max(Number.MAX_VALUE).nullable().optional(),
    /** The tile was not registered (e.g. featureless); shifts may then be null. */
    skipped: z.boolean().optional(),
    skip_reason: check.text(255).nullable().optional(),
    duration_ms: check.int(0),
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

export async function recordTileResult(
  db: Kysely<Database>,
  input: NewTileResult,
  options: RetryOptions = {},
): Promise<RecordTileOutcome> {
  const v = validateRow('tile_results', tileResultSchema, input);
  const row: TileResultsTable = {
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
  };
  if (db.isTransaction) {
    try {
      return await recordIn(db, row);
    } catch (error) {
      throw toDatabaseError(error, 'record tile result');
    }
  }
  const raw = sqliteHandleOf(db);
  if (raw !== undefined) {
    return withLockRetry(
      'record tile result',
      () => db.connection().execute(() => Promise.resolve(recordSqliteSync(db, raw, row))),
      options,
    );
  }
  return withLockRetry(
    'record tile result',
    () => db.transaction().execute((trx) => recordIn(trx, row)),
    options,
  );
}

function statements(db: Kysely<Database>, row: TileResultsTable) {
  const now = row.created_at;
  return {
    lockJob: db.selectFrom('jobs').select(['id', 'state', 'tiles_total']).where('id', '=', row.job_id),
    insertTile: db.insertInto('tile_results').orIgnore().values(row),
    countTile: db
      .updateTable('jobs')
      .set((eb) => ({ tiles_done: eb('tiles_done', '+', 1), updated_at: now }))
      .where('id', '=', row.job_id),
    complete: db
      .updateTable('jobs')
      .set({ state: 'aggregating', updated_at: now })
      .where('id', '=', row.job_id)
      .where('state', '=', 'running')
      .whereRef('tiles_done', '=', 'tiles_total'),
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

async function recordIn(trx: Kysely<Database>, row: TileResultsTable): Promise<RecordTileOutcome> {
  const s = statements(trx, row);
  const lock = sqlDialectOf(trx) === 'mysql' ? s.lockJob.forUpdate() : s.lockJob;
  checkJob(await lock.executeTakeFirst(), row);
  const inserted = Number((await s.insertTile.executeTakeFirst()).numInsertedOrUpdatedRows ?? 0n) > 0;
  if (inserted) await s.countTile.execute();
  const completed = await s.complete.executeTakeFirst();
  return { inserted, completedJob: Number(completed.numUpdatedRows) > 0 };
}

/** Prepared statements per SQLite connection, by SQL text: the fan-in runs once per tile. */
type Statement = BetterSqlite3.Statement<unknown[]>;
const prepared = new WeakMap<SqliteHandle, Map<string, Statement>>();

function prepare(raw: SqliteHandle, sql: string): Statement {
  let cache = prepared.get(raw);
  if (cache === undefined) prepared.set(raw, (cache = new Map<string, Statement>()));
  let statement = cache.get(sql);
  if (statement === undefined) cache.set(sql, (statement = raw.prepare<unknown[]>(sql)));
  return statement;
}

function recordSqliteSync(db: Kysely<Database>, raw: SqliteHandle, row: TileResultsTable): RecordTileOutcome {
  const s = statements(db, row);
  const run = (q: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const c = q.compile();
    return prepare(raw, c.sql).run(...c.parameters).changes;
  };
  const transaction = raw.transaction((): RecordTileOutcome => {
    const c = s.lockJob.compile();
    checkJob(prepare(raw, c.sql).get(...c.parameters) as { tiles_total: number } | undefined, row);
    const inserted = run(s.insertTile) > 0;
    if (inserted) run(s.countTile);
    return { inserted, completedJob: run(s.complete) > 0 };
  });
  return transaction.immediate();
}
