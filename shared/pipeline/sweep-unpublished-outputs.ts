import { announceOutputs } from './announce-outputs.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { OUTPUTS_MANIFEST, OUTPUTS_PREFIX } from './publish-outputs.js';

export interface SweepOutputsOptions {
  /** A dataset settled this long ago without its outputs has lost its announcement. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Datasets whose last job changed longer ago than this are left alone. @default 86_400_000 (1 day) */
  windowMs?: number;
  /** Datasets announced per sweep. @default 100 */
  limit?: number;
}

export interface AnnouncedOutputs {
  readonly datasetId: string;
  /** Where the outputs belong: `outputs/<datasetId>/v<version>/r<revision>/`. */
  readonly prefix: string;
  /** The outputs message's id. */
  readonly messageId: string;
}

/**
 * Announces again the settled datasets whose outputs were never written: every job of the
 * dataset `done` or `failed` for `stalledAfterMs`, and no manifest under the prefix
 * `publishOutputs` would write them to (`outputs/<datasetId>/v<version>/r<revision>/outputs.json`).
 * Its announcement was lost (the publishOutputs function killed mid-write and its delivery given
 * up on, or a dead letter). `publishOutputs` is idempotent, so an announcement that was only
 * slow costs one delivery that finds the manifest. Nothing to do without an outputs topic (a
 * local run writes its own outputs).
 */
export async function sweepUnpublishedOutputs(
  deps: Pick<PipelineDeps, 'db' | 'blobs' | 'bus' | 'topics'>,
  options: SweepOutputsOptions = {},
): Promise<AnnouncedOutputs[]> {
  const { stalledAfterMs = 600_000, windowMs = 86_400_000, limit = 100 } = options;
  if (deps.topics.outputs === undefined) return [];
  const now = Date.now();
  const staleBefore = new Date(now - stalledAfterMs).toISOString();
  const recent = await deps.db
    .selectFrom('jobs')
    .select('dataset_id')
    .distinct()
    .where('updated_at', '>=', new Date(now - windowMs).toISOString())
    .execute();
  const announced: AnnouncedOutputs[] = [];
  for (const { dataset_id: datasetId } of recent) {
    if (announced.length >= limit) break;
    const jobs = await deps.db
      .selectFrom('jobs')
      .select(['id', 'dataset_id', 'version', 'state', 'updated_at'])
      .where('dataset_id', '=', datasetId)
      .execute();
    if (jobs.some((j) => (j.state !== 'done' && j.state !== 'failed') || j.updated_at > staleBefore))
      continue;
    const version = Math.max(...jobs.map((j) => j.version));
    const prefix = `${OUTPUTS_PREFIX}${datasetId}/v${version}/r${jobs.length}/`;
    if ((await deps.blobs.head(`${prefix}${OUTPUTS_MANIFEST}`)) !== undefined) continue;
    const last = jobs.reduce((a, b) => (b.updated_at > a.updated_at ? b : a));
    const messageId = await announceOutputs(deps, last, last.state);
    if (messageId !== undefined) announced.push({ datasetId, prefix, messageId });
  }
  return announced;
}
