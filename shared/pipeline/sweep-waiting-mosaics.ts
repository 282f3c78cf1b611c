import { createHash } from 'node:crypto';
import { createMosaic } from '../records/mosaics-repository.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { planStitching } from './plan-stitching.js';

export interface SweepWaitingOptions {
  /** The upload bucket, where the datasets' `metdb.json` and layout files are. */
  uploadBucket: string;
  /** A dataset with no upload ingested for this long has stopped waiting. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Datasets whose last upload is older than this are left alone. @default 604_800_000 (7 days) */
  windowMs?: number;
  /** Datasets looked at per sweep, most recent first. @default 100 */
  limit?: number;
}

export interface SweptWaitingMosaic {
  readonly datasetId: string;
  /** `planned`: every tile was there, the mosaic is planned now; `failed`: recorded failed. */
  readonly action: 'planned' | 'failed';
  readonly mosaicId: string;
  readonly reason?: string;
}

/**
 * Ends the wait of a mosaic dataset whose layout names tiles that never arrive. `planStitching`
 * only waits for missing tiles (they may still be uploading); a dataset with no registration job,
 * no upload ingested for `stalledAfterMs`, and no mosaic recorded since its last upload is planned
 * again here: if every tile is in after all (a lost plan), the mosaic is planned and its edges
 * published; if it still waits, a `failed` mosaic is recorded with a one-line reason naming the
 * missing tiles. Idempotent: the failed mosaic's request key is the dataset's state (what it waits
 * for and its last upload), so concurrent or repeated sweeps record one; a tile uploaded later
 * plans the mosaic as usual (a new version).
 */
export async function sweepWaitingMosaics(
  deps: PipelineDeps,
  options: SweepWaitingOptions,
): Promise<SweptWaitingMosaic[]> {
  const { stalledAfterMs = 600_000, windowMs = 604_800_000, limit = 100 } = options;
  const now = Date.now();
  const staleBefore = new Date(now - stalledAfterMs).toISOString();
  const since = new Date(now - windowMs).toISOString();
  const datasets = await deps.db
    .selectFrom('datasets')
    .leftJoin('images', 'images.dataset_id', 'datasets.id')
    .select(['datasets.id', (eb) => eb.fn.max('images.updated_at').as('last_upload')])
    .select(['datasets.created_at'])
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.dataset_id', '=', 'datasets.id')),
      ),
    )
    .groupBy(['datasets.id', 'datasets.created_at'])
    .execute();
  const decided = new Map(
    (
      await deps.db
        .selectFrom('mosaics')
        .select(['dataset_id', (eb) => eb.fn.max('created_at').as('last')])
        .groupBy('dataset_id')
        .execute()
    ).map((r) => [r.dataset_id, String(r.last)]),
  );
  const waiting = datasets
    .map((d) => ({ id: d.id, lastUpload: d.last_upload === null ? d.created_at : String(d.last_upload) }))
    .filter((d) => d.lastUpload <= staleBefore && d.lastUpload >= since)
    .filter((d) => (decided.get(d.id) ?? '') < d.lastUpload)
    .sort((a, b) => (a.lastUpload < b.lastUpload ? 1 : -1))
    .slice(0, limit);
  const swept: SweptWaitingMosaic[] = [];
  for (const { id, lastUpload } of waiting) {
    const dataset = await deps.db.selectFrom('datasets').selectAll().where('id', '=', id).executeTakeFirst();
    if (dataset === undefined) continue;
    const planned = await planStitching(deps, dataset, options.uploadBucket);
    if (!planned.mosaic) continue;
    if (planned.mosaicId !== undefined) {
      if (planned.created === true)
        swept.push({ datasetId: id, action: 'planned', mosaicId: planned.mosaicId });
      continue;
    }
    const reason = waitReason(
      planned.waiting ?? 'waiting',
      planned.missingTiles,
      dataset.name,
      now,
      lastUpload,
    );
    const mosaic = await createMosaic(deps.db, {
      dataset_id: id,
      request_key: `stitch-waited:${id}:${hash({ waiting: planned.waiting, lastUpload })}`,
      plan: { source: planned.waiting },
      items_total: 0,
      failure_reason: reason,
    });
    if (!mosaic.created) continue;
    deps.logger.error(`sweep: mosaic of ${dataset.name} failed: ${reason}`, {
      datasetId: id,
      mosaicId: mosaic.id,
    });
    swept.push({ datasetId: id, action: 'failed', mosaicId: mosaic.id, reason });
  }
  return swept;
}

/** "the layout names 2 tile(s) that never arrived (no upload for 612 s): p07.tif, p09.tif" and the like. */
function waitReason(
  waiting: string,
  missing: readonly string[] | undefined,
  dataset: string,
  now: number,
  lastUpload: string,
): string {
  const quiet = `no upload for ${Math.round((now - Date.parse(lastUpload)) / 1000)} s`;
  if (missing === undefined || missing.length === 0) return `stalled: ${waiting} (${quiet})`;
  const names = missing.map((m) => (m.startsWith(`${dataset}/`) ? m.slice(dataset.length + 1) : m));
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  return `the layout names ${names.length} tile(s) that never arrived (${quiet}): ${shown}`;
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
