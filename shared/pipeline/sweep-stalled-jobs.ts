import { aggregateMessageAttributes, type AggregateMessage } from '../messages/aggregate-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import { tileMessageAttributes, type TileMessage } from '../messages/tile-message.js';
import type { JobRow, JobState } from '../records/database-schema.js';
import { getImage } from '../records/images-repository.js';
import { markJobState, toJobRow } from '../records/jobs-repository.js';
import { nowIso } from '../records/validate-row.js';
import type { JobParams } from './dataset-settings.js';
import { planRegistration, tileMessagesOf } from './plan-registration.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { announceOutputs } from './announce-outputs.js';

export interface SweepOptions {
  /** A job whose row has not changed for this long is stalled. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Re-drives of a job before the sweep fails it with the reason. @default 3 */
  maxRedrives?: number;
  /** Jobs looked at per sweep, oldest first. @default 500 */
  limit?: number;
}

export interface SweptJob {
  readonly jobId: string;
  readonly state: JobState;
  /** `redriven`: its missing work was published again; `failed`: out of re-drives. */
  readonly action: 'redriven' | 'failed' | 'skipped';
  /** Tiles with no result (running jobs). */
  readonly missingTiles: number[];
  readonly published: number;
  readonly reason?: string;
}

const UNFINISHED: readonly JobState[] = ['pending', 'running', 'aggregating'];

/**
 * Finds jobs whose progress stalled (not final, row unchanged for `stalledAfterMs`: every
 * recorded tile and every state change touches it) and re-drives each once per sweep:
 * - `running`: republishes exactly the tiles that have no result (rebuilt by `tileMessagesOf`, the
 *   planner's own messages); recording is exactly-once, so a tile that was only slow is harmless;
 * - `pending` (its planner died): plans it again (`planRegistration` claims the stale job);
 * - `aggregating` (the aggregation message was lost or dead-lettered): publishes it again.
 * The k-th re-drive waits `stalledAfterMs × 2^k` without progress (10, 20, 40 min by default), so
 * a job merely queued behind a long backlog is not taken for a lost one; after `maxRedrives`
 * re-drives a still-stalled job is marked `failed` with the reason, the missing tiles and its last
 * error. Idempotent and safe to run concurrently: each job is claimed
 * by compare-and-set on its `updated_at`, so two sweeps never re-drive it twice.
 */
export async function sweepStalledJobs(deps: PipelineDeps, options: SweepOptions = {}): Promise<SweptJob[]> {
  const { stalledAfterMs = 600_000, maxRedrives = 3, limit = 500 } = options;
  const staleBefore = new Date(Date.now() - stalledAfterMs).toISOString();
  const rows = await deps.db
    .selectFrom('jobs')
    .selectAll()
    .where('state', 'in', UNFINISHED)
    .where('updated_at', '<=', staleBefore)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  const swept: SweptJob[] = [];
  const now = Date.now();
  for (const row of rows) {
    const job = toJobRow(row);
    // Each re-drive doubles the wait: a job only queued behind a backlog is not failed as stalled.
    const patience = stalledAfterMs * 2 ** Math.min(job.redrives, 10);
    if (Date.parse(job.updated_at) > now - patience) continue;
    swept.push(await sweepJob(deps, job, maxRedrives, patience));
  }
  return swept;
}

async function sweepJob(
  deps: PipelineDeps,
  job: JobRow,
  maxRedrives: number,
  stalledAfterMs: number,
): Promise<SweptJob> {
  const missing = job.state === 'running' ? await missingTiles(deps, job) : [];
  const base = { jobId: job.id, state: job.state, missingTiles: missing, published: 0 };
  if (job.redrives >= maxRedrives) {
    const reason = clip(
      `stalled ${job.state}: no progress for ${Math.round(stalledAfterMs / 1000)} s after ${job.redrives} re-drive(s)` +
        (missing.length > 0 ? `; missing tiles: ${missing.join(', ')}` : '') +
        (job.last_error === null ? '' : `; last error: ${job.last_error}`),
    );
    const failed = await markJobState(deps.db, job.id, 'failed', { from: job.state, reason });
    if (failed) {
      deps.logger.error(`sweep: job ${job.id} failed: ${reason}`, { jobId: job.id });
      // Settled: the dataset's outputs may now be written (as after an aggregation).
      await announceOutputs(deps, job, 'failed');
    }
    return { ...base, action: failed ? 'failed' : 'skipped', reason };
  }
  // Claim the re-drive: only the sweep that moves updated_at on from what it read proceeds.
  const claimed = await deps.db
    .updateTable('jobs')
    .set((eb) => ({ redrives: eb('redrives', '+', 1), updated_at: nowIso() }))
    .where('id', '=', job.id)
    .where('state', '=', job.state)
    .where('updated_at', '=', job.updated_at)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return { ...base, action: 'skipped' };
  const published = await redrive(deps, job, missing);
  deps.logger.warn(
    `sweep: job ${job.id} (${job.state}) stalled, re-drive ${job.redrives + 1}: ${published} message(s) published`,
    { jobId: job.id, missingTiles: missing.length },
  );
  return { ...base, action: 'redriven', published };
}

async function redrive(deps: PipelineDeps, job: JobRow, missing: number[]): Promise<number> {
  if (job.state === 'aggregating') {
    const message: AggregateMessage = { schemaVersion: SCHEMA_VERSION, jobId: job.id };
    await deps.bus.publish(deps.topics.aggregate, message, aggregateMessageAttributes(message));
    return 1;
  }
  const [reference, moving] = await Promise.all([
    getImage(deps.db, job.reference_image_id),
    getImage(deps.db, job.moving_image_id),
  ]);
  if (reference === undefined || moving === undefined) return 0;
  const { request, initialMatrix, ...params } = job.parameters as JobParams & {
    request?: { requestedBy?: string; reason?: string };
    initialMatrix?: TileMessage['matrix'];
  };
  if (job.state === 'pending') {
    if (job.request_key === null) return 0;
    // The claim above touched the row: planRegistration's own stale claim must accept that.
    const planned = await planRegistration(deps, {
      datasetId: job.dataset_id,
      reference,
      moving,
      params,
      requestKey: job.request_key,
      ...(request === undefined ? {} : { request }),
      staleAfterMs: -1,
    });
    return planned.published;
  }
  const wanted = new Set(missing);
  const messages = (
    await tileMessagesOf(deps, {
      jobId: job.id,
      datasetId: job.dataset_id,
      reference,
      moving,
      params,
      ...(initialMatrix === undefined ? {} : { matrix: initialMatrix }),
    })
  ).filter((m) => wanted.has(m.tileIndex));
  await Promise.all(messages.map((m) => deps.bus.publish(deps.topics.tiles, m, tileMessageAttributes(m))));
  return messages.length;
}

/** Tile indexes of a running job with no result row. */
async function missingTiles(deps: PipelineDeps, job: JobRow): Promise<number[]> {
  const done = await deps.db
    .selectFrom('tile_results')
    .select('tile_index')
    .where('job_id', '=', job.id)
    .execute();
  const have = new Set(done.map((r) => Number(r.tile_index)));
  const missing: number[] = [];
  for (let i = 0; i < job.tiles_total; i++) if (!have.has(i)) missing.push(i);
  return missing;
}

function clip(text: string): string {
  return text.length <= 1024 ? text : `${text.slice(0, 1023)}…`;
}
