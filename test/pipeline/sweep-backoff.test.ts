/**
 * The sweep's patience doubles with each re-drive: a job queued behind a long backlog (the chaos
 * suite's 1400-tile load) is re-driven less and less often instead of being failed as stalled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sweepStalledJobs } from '../../shared/pipeline/sweep-stalled-jobs.js';
import { createDatasetFixture, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('sweep backoff', () => {
  it('re-drives a job for the k-th time only after stalledAfter x 2^k without progress', async () => {
    const f = (fixture = await createDatasetFixture(['frame_00.tif', 'frame_01.tif']));
    f.deps.bus.published.length = 0; // the tiles are queued somewhere, not delivered yet
    const job = await f.deps.db.selectFrom('jobs').select('id').executeTakeFirstOrThrow();
    const quiet = (seconds: number, redrives: number) =>
      f.deps.db
        .updateTable('jobs')
        .set({ redrives, updated_at: new Date(Date.now() - seconds * 1000).toISOString() })
        .where('id', '=', job.id)
        .execute();
    const options = { stalledAfterMs: 60_000, maxRedrives: 3 };

    await quiet(90, 0); // 1.5 x stalledAfter, no re-drive yet: due
    expect((await sweepStalledJobs(f.deps, options)).map((s) => s.action)).toEqual(['redriven']);
    await quiet(90, 1); // after one re-drive the sweep waits 2 x stalledAfter
    expect(await sweepStalledJobs(f.deps, options)).toEqual([]);
    await quiet(150, 1);
    expect((await sweepStalledJobs(f.deps, options)).map((s) => s.action)).toEqual(['redriven']);
    await quiet(500, 3); // out of re-drives, quiet past 8 x stalledAfter: failed, saying how long it waited
    const [failed] = await sweepStalledJobs(f.deps, options);
    expect(failed).toMatchObject({ action: 'failed' });
    expect(failed!.reason).toMatch(/^stalled running: no progress for 480 s after 3 re-drive\(s\)/);
  });
});
