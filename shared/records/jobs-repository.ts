/**
 * Registration jobs: one per (dataset, moving image, version). Reprocessing a dataset with new
 * parameters creates the next version; earlier jobs and their results stay. State machine:
 * pending -> running (tiles_total set, tiles published) -> aggregating (the last distinct tile
 * was recorded, see recordTileResult) -> done | failed.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { JOB_STATES, type Database, type JobRow, type JobState, type JobsTable } from './database-schema.js';
import { check, fromJsonText, nowIso, toJsonText, validateRow } from './validate-row.js';
import { newId } from './new-id.js';
import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import { toDatabaseError } from './database-error.js';
import { failSeriesOfJob } from './series-repository.js';

type Db = Kysely<Database>;

const newJobSchema = z.object({
  id: check.id().optional(),
  dataset_id: check.id(),
  reference_image_id: check.id(),
  moving_image_id: check.id(),
  parameters: check.json(),
  /** Idempotency key of the request that planned this job (e.g. `plan:<imageId>`); unique. */
  request_key: check.text(255).nullable().optional(),
});
export type NewJob = z.input<typeof newJobSchema>;

/**
 * Creates the next version (1, 2, ...) of the job for (dataset, moving image), state `pending`.
 * With a `request_key` already used, returns that job instead (`created: false`), so a
 * re-delivered planning message plans nothing new.
 */
export async function createJobVersion(db: Db, input: NewJob): Promise<{ job: JobRow; created: boolean }> {
  const v = validateRow('jobs', newJobSchema, input);
  const requestKey = v.request_key ?? null;
  for (let attempt = 1; ; attempt++) {
    try {
      if (requestKey !== null) {
        const existing = await db
          .selectFrom('jobs')
          .selectAll()
          .where('request_key', '=', requestKey)
          .executeTakeFirst();
        if (existing !== undefined) return { job: toJobRow(existing), created: false };
      }
      const last = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('dataset_id', '=', v.dataset_id)
        .where('moving_image_id', '=', v.moving_image_id)
        .executeTakeFirst();
      const now = nowIso();
      const row: JobsTable = {
        id: v.id ?? newId(),
        dataset_id: v.dataset_id,
        reference_image_id: v.reference_image_id,
        moving_image_id: v.moving_image_id,
        version: Number(last?.version ?? 0) + 1,
        request_key: requestKey,
        parameters: toJsonText(v.parameters) ?? 'null',
        state: 'pending',
        tiles_total: 0,
        tiles_done: 0,
        failure_reason: null,
        created_at: now,
        updated_at: now,
        started_at: null,
        finished_at: null,
        redrives: 0,
        last_error: null,
      };
      await db.insertInto('jobs').values(row).execute();
      return { job: toJobRow(row), created: true };
    } catch (error) {
      const mapped = toDatabaseError(error, 'create job version');
      // Another planner took this version (or this request key) first: look again.
      if (isMetdbError(mapped, 'conflict') && attempt < 5) continue;
      throw mapped;
    }
  }
}

export async function getJob(db: Db, id: string): Promise<JobRow | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toJobRow(row);
}

/** A dataset's jobs, oldest first, optionally only those in some states. */
export async function listJobs(
  db: Db,
  datasetId: string,
  options: { states?: JobState[] } = {},
): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll().where('dataset_id', '=', datasetId);
  if (options.states !== undefined && options.states.length > 0) q = q.where('state', 'in', options.states);
  const rows = await q.orderBy('id').execute();
  return rows.map(toJobRow);
}

/** The newest version of the job for (dataset, moving image). */
export async function latestJobFor(
  db: Db,
  datasetId: string,
  movingImageId: string,
): Promise<JobRow | undefined> {
  const row = await db
    .selectFrom('jobs')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('moving_image_id', '=', movingImageId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toJobRow(row);
}

/**
 * pending -> running with `tilesTotal` tiles (call before publishing the tiles). If all tiles
 * were somehow recorded already, moves on to `aggregating` and reports `completedJob`.
 */
export async function startJob(
  db: Db,
  id: string,
  tilesTotal: number,
): Promise<{ started: boolean; completedJob: boolean }> {
  validateRow('jobs', z.object({ id: check.id(), tiles_total: check.int(1) }), {
    id,
    tiles_total: tilesTotal,
  });
  const now = nowIso();
  try {
    const started = await db
      .updateTable('jobs')
      .set({ state: 'running', tiles_total: tilesTotal, started_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return {
      started: Number(started.numUpdatedRows) > 0,
      completedJob: await completeJobIfAllTilesIn(db, id, now),
    };
  } catch (error) {
    throw toDatabaseError(error, 'start job');
  }
}

/**
 * The one job-completion rule (see record-tile-result.ts): running -> aggregating once every tile
 * is counted. True for the single caller whose update changed the row: it triggers the aggregation.
 */
export async function completeJobIfAllTilesIn(db: Db, id: string, now: string): Promise<boolean> {
  const completed = await db
    .updateTable('jobs')
    .set({ state: 'aggregating', updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .whereRef('tiles_done', '>=', 'tiles_total')
    .executeTakeFirst();
  return Number(completed.numUpdatedRows) > 0;
}

/**
 * Takes over the planning of a `pending` job that nobody has touched since `staleBefore` (ISO
 * text): compare-and-set on `updated_at`, so of several callers exactly one wins. The creator of a
 * job plans it without claiming; a caller that finds the job created by someone else plans it only
 * when its planner has evidently died (a redelivery after a crash, the sweep).
 */
export async function claimStalePlanning(db: Db, id: string, staleBefore: string): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ updated_at: nowIso() })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .where('updated_at', '<', staleBefore)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * A new version of (dataset, moving image) supersedes the older ones explicitly: each that is
 * not final (pending, running, aggregating) is marked `failed` with the reason, so a reprocess
 * never leaves an old version `running`. Done versions stay done. Returns the ids it changed.
 */
export async function supersedeOlderVersions(db: Db, job: JobRow): Promise<string[]> {
  const older = await db
    .selectFrom('jobs')
    .select(['id'])
    .where('dataset_id', '=', job.dataset_id)
    .where('moving_image_id', '=', job.moving_image_id)
    .where('version', '<', job.version)
    .where('state', 'in', ['pending', 'running', 'aggregating'])
    .execute();
  const changed: string[] = [];
  for (const { id } of older) {
    const reason = `superseded by version ${job.version} (job ${job.id})`;
    if (await markJobState(db, id, 'failed', { from: ['pending', 'running', 'aggregating'], reason }))
      changed.push(id);
  }
  return changed;
}

/** Notes the latest failure of a job's work (best effort: a failure to note it is ignored). */
export async function noteJobError(db: Db, id: string, error: string): Promise<void> {
  const text = error.length <= 1024 ? error : `${error.slice(0, 1023)}…`;
  try {
    await db.updateTable('jobs').set({ last_error: text }).where('id', '=', id).execute();
  } catch {
    // the database that made the work fail may well be down: the platform's retry still happens
  }
}

export interface MarkJobStateOptions {
  /** Only change the state if it is currently one of these (compare-and-set). @default any state */
  from?: JobState | readonly JobState[];
  /** Why the job failed (state `failed`), at most 1024 characters. */
  reason?: string;
}

/**
 * Sets a job's state; returns whether this call changed a row. Sets finished_at for done/failed.
 * A job that fails takes its series (if it has one) from `running` to `failed` with the same reason.
 */
export async function markJobState(
  db: Db,
  id: string,
  to: JobState,
  options: MarkJobStateOptions = {},
): Promise<boolean> {
  const v = validateRow(
    'jobs',
    z.object({ id: check.id(), state: z.enum(JOB_STATES), failure_reason: check.text(1024).optional() }),
    { id, state: to, failure_reason: options.reason },
  );
  const now = nowIso();
  const set: Partial<JobsTable> = { state: v.state, updated_at: now };
  if (to === 'done' || to === 'failed') set.finished_at = now;
  if (to === 'failed') set.failure_reason = v.failure_reason ?? null;
  let q = db.updateTable('jobs').set(set).where('id', '=', id);
  if (options.from !== undefined) {
    const from = typeof options.from === 'string' ? [options.from] : [...options.from];
    if (from.length === 0) throw new MetdbError('invalid-argument', 'markJobState: options.from is empty');
    q = q.where('state', 'in', from);
  }
  let changed: boolean;
  try {
    const result = await q.executeTakeFirst();
    changed = Number(result.numUpdatedRows) > 0;
  } catch (error) {
    throw toDatabaseError(error, 'mark job state');
  }
  // A series follows its job: superseded, failed at planning, swept or not solved, never left running.
  if (changed && to === 'failed') await failSeriesOfJob(db, id, v.failure_reason ?? 'its job failed');
  return changed;
}

export function toJobRow(row: JobsTable): JobRow {
  return { ...row, parameters: fromJsonText(row.parameters) };
}
