/**
 * A series row follows its job (issue 16): superseded by a reprocess before it finished, or
 * failed at planning, it is `failed` with the job's reason, never left `running`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { reprocessDataset } from '../../shared/pipeline/reprocess-dataset.js';
import { sweepStalledJobs } from '../../shared/pipeline/sweep-stalled-jobs.js';
import { driftSeries } from '../series/drift-series.js';
import { createPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

const FRAMES = 6;
const SIZE = 96;

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A lone multi-page file without axis metadata: a time series. */
async function stackBytes(): Promise<Uint8Array> {
  const s = await driftSeries({ frames: FRAMES, size: SIZE, noise: 0.03 });
  return encodeTiff(s.stack, { description: JSON.stringify({ shape: s.stack.shape }) });
}

async function seriesRows(f: PipelineFixture) {
  return f.deps.db
    .selectFrom('series')
    .innerJoin('jobs', 'jobs.id', 'series.job_id')
    .select([
      'jobs.version',
      'jobs.state as job_state',
      'series.state',
      'series.mode',
      'series.failure_reason',
      'jobs.failure_reason as job_reason',
    ])
    .orderBy('jobs.version')
    .execute();
}

describe('a series row follows its job', () => {
  it('superseded by a reprocess before it finished: failed with the reason, the new version solved', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.upload('ts/stack.tif', await stackBytes());
    // Planned, its tiles queued, not yet registered: then reprocessed with another mode.
    expect(await seriesRows(f)).toMatchObject([{ version: 1, state: 'running', mode: 'rcc' }]);
    const dataset = await f.deps.db.selectFrom('datasets').select('id').executeTakeFirstOrThrow();
    const planned = await reprocessDataset(
      f.deps,
      { schemaVersion: 1, datasetId: dataset.id, params: { series: 'consecutive' }, requestId: 'r1' },
      'm1',
    );
    expect(planned.jobIds).toHaveLength(1);
    await f.drain();
    const rows = await seriesRows(f);
    expect(rows.map((r) => [r.version, r.job_state, r.state, r.mode])).toEqual([
      [1, 'failed', 'failed', 'rcc'],
      [2, 'done', 'done', 'consecutive'],
    ]);
    expect(rows[0]!.failure_reason).toMatch(/^superseded by version 2/);
    expect(rows[0]!.failure_reason).toBe(rows[0]!.job_reason);
    expect(rows[1]!.failure_reason).toBeNull();
  });

  it('failed at planning (one time bin: nothing to register): failed with the reason', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.deps.blobs.put('ts/metdb.json', Buffer.from(JSON.stringify({ binFrames: FRAMES })));
    await f.upload('ts/stack.tif', await stackBytes());
    expect(f.deps.bus.published).toHaveLength(0);
    const rows = await seriesRows(f);
    expect(rows.map((r) => [r.job_state, r.state])).toEqual([['failed', 'failed']]);
    expect(rows[0]!.failure_reason).toMatch(/^nothing to register: the series has a single time bin/);
  });

  it('given up by the sweep (its tiles lost, no re-drive left): failed with the reason', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.upload('ts/stack.tif', await stackBytes());
    f.deps.bus.published.length = 0; // the tile messages are lost
    const swept = await sweepStalledJobs(f.deps, { stalledAfterMs: 0, maxRedrives: 0 });
    expect(swept.map((j) => j.action)).toEqual(['failed']);
    const rows = await seriesRows(f);
    expect(rows.map((r) => [r.job_state, r.state])).toEqual([['failed', 'failed']]);
    expect(rows[0]!.failure_reason).toMatch(/^stalled running: no progress/);
  });

  it("not solved (flat frames: no pair with a usable tile): failed with the solve's reason", async () => {
    const f = (fixture = await createPipelineFixture());
    const flat = { data: new Uint16Array(FRAMES * 64 * 64).fill(1200), shape: [FRAMES, 64, 64] };
    await f.upload('ts/flat.tif', encodeTiff(flat, { description: JSON.stringify({ shape: flat.shape }) }));
    await f.drain();
    const rows = await seriesRows(f);
    expect(rows.map((r) => [r.job_state, r.state])).toEqual([['failed', 'failed']]);
    expect(rows[0]!.failure_reason).toMatch(
      /^series not solved: none of the 15 pairs of frames had a usable tile/,
    );
  });
});
