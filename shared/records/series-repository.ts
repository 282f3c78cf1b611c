/**
 * Series (migration 0006): one row per series job version, its frames' drift once solved. The
 * row is created with its job (`createSeriesOrGet`, keyed by the job: a redelivered plan creates
 * nothing) and solved by the job's aggregation, inside its exactly-once transaction
 * (`recordSeriesSolution`).
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type {
  Database,
  SeriesFrameRow,
  SeriesFramesTable,
  SeriesRow,
  SeriesTable,
} from './database-schema.js';
import { toDatabaseError } from './database-error.js';
import { newId } from './new-id.js';
import { check, fromJsonText, nowIso, toJsonText, validateRow } from './validate-row.js';

type Db = Kysely<Database>;

const newSeriesSchema = z.object({
  dataset_id: check.id(),
  image_id: check.id(),
  job_id: check.id(),
  mode: z.enum(['reference', 'consecutive', 'rcc']),
  frames: check.int(1),
  frame_shape: z.array(check.int(1)).min(2).max(3),
});
export type NewSeries = z.input<typeof newSeriesSchema>;

/** Creates the series of a job (state `running`), or returns the one it has. */
export async function createSeriesOrGet(db: Db, input: NewSeries): Promise<SeriesRow> {
  const v = validateRow('series', newSeriesSchema, input);
  const now = nowIso();
  const row: SeriesTable = {
    id: newId(),
    dataset_id: v.dataset_id,
    image_id: v.image_id,
    job_id: v.job_id,
    mode: v.mode,
    frames: v.frames,
    frame_shape: v.frame_shape.join('x'),
    state: 'running',
    trajectory: null,
    failure_reason: null,
    created_at: now,
    updated_at: now,
  };
  try {
    await db.insertInto('series').orIgnore().values(row).execute();
    const stored = await getSeriesByJob(db, v.job_id);
    if (stored === undefined) throw new Error(`series of job ${v.job_id} missing after insert`);
    return stored;
  } catch (error) {
    throw toDatabaseError(error, 'create series');
  }
}

export async function getSeriesByJob(db: Db, jobId: string): Promise<SeriesRow | undefined> {
  const row = await db.selectFrom('series').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  return row && toSeriesRow(row);
}

/** A dataset's series, oldest first (every version). */
export async function listSeries(db: Db, datasetId: string): Promise<SeriesRow[]> {
  const rows = await db
    .selectFrom('series')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('id')
    .execute();
  return rows.map(toSeriesRow);
}

export async function listSeriesFrames(db: Db, seriesId: string): Promise<SeriesFrameRow[]> {
  return db
    .selectFrom('series_frames')
    .selectAll()
    .where('series_id', '=', seriesId)
    .orderBy('frame_index')
    .execute();
}

/** One solved frame: drift and its standard error per axis, (z,) y, x, pixels. */
export interface SolvedFrame {
  readonly drift: readonly number[];
  readonly error: readonly number[];
  readonly quality: 'good' | 'low' | 'failed';
}

/**
 * Writes a series' solution (call inside the job's aggregation transaction): the trajectory
 * document, state `done`, one row per frame (a frame row already there is kept: the aggregation
 * is exactly once, this only guards a replay).
 */
export async function recordSeriesSolution(
  db: Db,
  seriesId: string,
  trajectory: unknown,
  frames: readonly SolvedFrame[],
): Promise<void> {
  validateRow('series', z.object({ trajectory: check.json() }), { trajectory });
  const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
  try {
    await db
      .updateTable('series')
      .set({ state: 'done', trajectory: toJsonText(trajectory), updated_at: nowIso() })
      .where('id', '=', seriesId)
      .execute();
    const rows: SeriesFramesTable[] = frames.map((f, k) => {
      const n = f.drift.length;
      return {
        series_id: seriesId,
        frame_index: k,
        drift_z: n === 3 ? finite(f.drift[0]) : null,
        drift_y: finite(f.drift[n - 2]) ?? 0,
        drift_x: finite(f.drift[n - 1]) ?? 0,
        error_z: n === 3 ? finite(f.error[0]) : null,
        error_y: finite(f.error[n - 2]),
        error_x: finite(f.error[n - 1]),
        quality: f.quality,
      };
    });
    // In chunks: one statement per frame of a 1000-frame series would be 1000 round trips.
    for (let k = 0; k < rows.length; k += 500) {
      await db
        .insertInto('series_frames')
        .orIgnore()
        .values(rows.slice(k, k + 500))
        .execute();
    }
  } catch (error) {
    throw toDatabaseError(error, 'record series solution');
  }
}

/**
 * The series of a failed job (superseded by a new version, failed at planning, swept as stalled):
 * `running` becomes `failed` with the job's reason; a series already done or failed is left alone.
 */
export async function failSeriesOfJob(db: Db, jobId: string, reason: string): Promise<void> {
  try {
    await db
      .updateTable('series')
      .set({ state: 'failed', failure_reason: reason.slice(0, 1024), updated_at: nowIso() })
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .execute();
  } catch (error) {
    throw toDatabaseError(error, 'fail series of job');
  }
}

function toSeriesRow(row: SeriesTable): SeriesRow {
  return { ...row, trajectory: fromJsonText(row.trajectory) };
}
