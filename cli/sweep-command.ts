/**
 * `metdb sweep [--db URL] [--stalled-after SECONDS] [--max-redrives N]`: the cloud sweep on demand
 * (`sweepStalledUploads`, `sweepStalledJobs`, `sweepStalledMosaics`, `sweepWaitingMosaics`,
 * `sweepUnpublishedOutputs`): ingests again the
 * uploads whose ingest never finished or that have no row at all (objects of
 * `METDB_UPLOAD_BUCKET` with no image row), re-drives jobs whose progress stalled and fails those
 * out of re-drives, does the same for mosaics and fails those whose layout names tiles that never
 * arrive, and announces settled datasets whose outputs were never written (with
 * `METDB_OUTPUTS_TOPIC`).
 * It publishes to the deployment's topics (Pub/Sub, or the emulator with PUBSUB_EMULATOR_HOST)
 * and reads canonical images from `METDB_RESULTS_BUCKET`, like the functions (functions/deps.ts).
 * A local run sweeps itself (`metdb run`). Exit code 0 done, 1 failed, 2 bad usage.
 */
import { pipelineDeps } from '../functions/deps.js';
import { sweepStalledJobs } from '../shared/pipeline/sweep-stalled-jobs.js';
import { sweepStalledMosaics } from '../shared/pipeline/sweep-stalled-mosaics.js';
import { sweepWaitingMosaics } from '../shared/pipeline/sweep-waiting-mosaics.js';
import { sweepStalledUploads } from '../shared/pipeline/sweep-stalled-uploads.js';
import { sweepUnpublishedOutputs } from '../shared/pipeline/sweep-unpublished-outputs.js';
import { parseCommandArgs } from './parse-command-args.js';
import { UsageError } from './usage-error.js';

export const SWEEP_USAGE =
  'usage: metdb sweep [--db <mysql-url|sqlite-path>] [--stalled-after SECONDS (600)] [--max-redrives N (3)]';

export async function sweepCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      db: { type: 'string' },
      'stalled-after': { type: 'string', default: '600' },
      'max-redrives': { type: 'string', default: '3' },
    },
    SWEEP_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, SWEEP_USAGE);
  const stalled = Number(values['stalled-after']);
  const redrives = Number(values['max-redrives']);
  if (!(stalled >= 0)) throw new UsageError(`--stalled-after must be a number of seconds >= 0`, SWEEP_USAGE);
  if (!Number.isInteger(redrives) || redrives < 0)
    throw new UsageError(`--max-redrives must be an integer >= 0`, SWEEP_USAGE);
  const env = values.db === undefined ? process.env : { ...process.env, METDB_DATABASE_URL: values.db };
  const deps = await pipelineDeps(env);
  const uploadBucket = env.METDB_UPLOAD_BUCKET;
  for (const u of await sweepStalledUploads(deps, {
    stalledAfterMs: stalled * 1000,
    ...(uploadBucket ? { uploadBucket } : {}),
  })) {
    out(`ingested\t${u.upload}\t${u.cause}: ${u.outcome}${u.reason === undefined ? '' : `\t${u.reason}`}`);
  }
  const swept = await sweepStalledJobs(deps, {
    stalledAfterMs: stalled * 1000,
    maxRedrives: redrives,
  });
  for (const s of swept) {
    const missing = s.missingTiles.length > 0 ? ` missing tiles ${s.missingTiles.join(',')}` : '';
    out(`${s.action}\t${s.jobId}\t${s.state}${missing}${s.reason === undefined ? '' : `\t${s.reason}`}`);
  }
  for (const m of await sweepStalledMosaics(deps, {
    stalledAfterMs: stalled * 1000,
    maxRedrives: redrives,
  })) {
    const missing = m.missingItems.length > 0 ? ` missing items ${m.missingItems.join(',')}` : '';
    out(
      `${m.action}\tmosaic ${m.mosaicId}\t${m.state}${missing}${m.reason === undefined ? '' : `\t${m.reason}`}`,
    );
  }
  if (uploadBucket) {
    for (const m of await sweepWaitingMosaics(deps, { uploadBucket, stalledAfterMs: stalled * 1000 })) {
      out(
        `${m.action}\tmosaic ${m.mosaicId}\tdataset ${m.datasetId}${m.reason === undefined ? '' : `\t${m.reason}`}`,
      );
    }
  }
  for (const o of await sweepUnpublishedOutputs(deps, { stalledAfterMs: stalled * 1000 })) {
    out(`announced\t${o.datasetId}\toutputs missing under ${o.prefix}`);
  }
  out(`swept ${swept.length} stalled job(s)`);
  return 0;
}
