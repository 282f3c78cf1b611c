import { runHandler } from './edge/run-handler.js';
import { decodePubSubCloudEvent } from '../shared/messages/pubsub-cloud-event.js';
import { sweepStalledJobs } from '../shared/pipeline/sweep-stalled-jobs.js';
import { sweepStalledMosaics } from '../shared/pipeline/sweep-stalled-mosaics.js';
import { sweepWaitingMosaics } from '../shared/pipeline/sweep-waiting-mosaics.js';
import { sweepStalledUploads } from '../shared/pipeline/sweep-stalled-uploads.js';
import { sweepUnpublishedOutputs } from '../shared/pipeline/sweep-unpublished-outputs.js';
import { pipelineDeps } from './deps.js';

/**
 * `sweep`: run by Cloud Scheduler through the sweep topic (any message body). Ingests again the
 * uploads whose ingest never finished or that have no row at all (`sweepStalledUploads`, listing
 * `METDB_UPLOAD_BUCKET`), re-drives stalled jobs and fails
 * those out of re-drives (`sweepStalledJobs`), the same for mosaics (`sweepStalledMosaics`),
 * fails the mosaics whose layout names tiles that never arrive (`sweepWaitingMosaics`), announces
 * settled datasets whose outputs were never written (`sweepUnpublishedOutputs`); `METDB_SWEEP_STALLED_AFTER_S`
 * (default 600) and `METDB_SWEEP_MAX_REDRIVES` (default 3) tune it.
 */
export const sweep = runHandler(
  'sweep',
  (event) => decodePubSubCloudEvent(event, { json: false }),
  async () => {
    const stalled = Number(process.env.METDB_SWEEP_STALLED_AFTER_S);
    const redrives = Number(process.env.METDB_SWEEP_MAX_REDRIVES);
    const deps = await pipelineDeps();
    const uploads = await sweepStalledUploads(deps, {
      ...(stalled > 0 ? { stalledAfterMs: stalled * 1000 } : {}),
      ...(process.env.METDB_UPLOAD_BUCKET ? { uploadBucket: process.env.METDB_UPLOAD_BUCKET } : {}),
    });
    const swept = await sweepStalledJobs(deps, {
      ...(stalled > 0 ? { stalledAfterMs: stalled * 1000 } : {}),
      ...(Number.isInteger(redrives) && redrives >= 0 && process.env.METDB_SWEEP_MAX_REDRIVES
        ? { maxRedrives: redrives }
        : {}),
    });
    const mosaics = await sweepStalledMosaics(deps, {
      ...(stalled > 0 ? { stalledAfterMs: stalled * 1000 } : {}),
      ...(Number.isInteger(redrives) && redrives >= 0 && process.env.METDB_SWEEP_MAX_REDRIVES
        ? { maxRedrives: redrives }
        : {}),
    });
    const waiting = process.env.METDB_UPLOAD_BUCKET
      ? await sweepWaitingMosaics(deps, {
          uploadBucket: process.env.METDB_UPLOAD_BUCKET,
          ...(stalled > 0 ? { stalledAfterMs: stalled * 1000 } : {}),
        })
      : [];
    const outputs = await sweepUnpublishedOutputs(
      deps,
      stalled > 0 ? { stalledAfterMs: stalled * 1000 } : {},
    );
    return {
      uploads: uploads.length,
      outputs: outputs.length,
      redriven: swept.filter((s) => s.action === 'redriven').length,
      failed: swept.filter((s) => s.action === 'failed').length,
      mosaicsRedriven: mosaics.filter((s) => s.action === 'redriven').length,
      mosaicsFailed:
        mosaics.filter((s) => s.action === 'failed').length +
        waiting.filter((s) => s.action === 'failed').length,
    };
  },
);
