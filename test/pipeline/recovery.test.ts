/**
 * Nothing stuck (issue 20): the sweep re-drives exactly the work that was lost (tiles, the
 * aggregation, a planner that died), fails a job with its reason after N re-drives, and a
 * reprocess supersedes the older version explicitly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../shared/pipeline/record-dead-letter.js';
import { reprocessDataset } from '../../shared/pipeline/reprocess-dataset.js';
import { listDeadLetters } from '../../shared/records/dead-letters-repository.js';
import { sweepStalledJobs } from '../../shared/pipeline/sweep-stalled-jobs.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createPipelineFixture, frameBytes, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const SETTINGS = { reference: 'frame_00.tif', tileSize: 128 };

/** A dataset of a reference and one moving image, ingested: one job of 9 tiles published. */
async function onePair(): Promise<PipelineFixture> {
  const f = (fixture = await createPipelineFixture());
  await f.deps.blobs.put('ds/metdb.json', Buffer.from(JSON.stringify(SETTINGS)));
  await f.upload('ds/frame_00.tif', frameBytes('frame_00.tif'));
  await f.upload('ds/frame_01.tif', frameBytes('frame_01.tif'));
  return f;
}

/** Drops the published messages of `topic` that `lose` picks (a crash, a dead letter...). */
function lose(f: PipelineFixture, topic: string, pick: (index: number) => boolean): number {
  let k = 0;
  const before = f.deps.bus.published.length;
  const kept = f.deps.bus.published.filter((p) => p.topic !== topic || !pick(k++));
  f.deps.bus.published.splice(0, f.deps.bus.published.length, ...kept);
  return before - kept.length;
}

describe('the sweep', () => {
  it('republishes exactly the tiles with no result, once however many sweeps run, and the job completes', async () => {
    const f = await onePair();
    expect(lose(f, 'tiles', (k) => k % 3 === 1)).toBe(3);
    await f.drain();
    let [job] = (await allRows(f.deps.db)).jobs;
    expect(job).toMatchObject({ state: 'running', tiles_done: 6, tiles_total: 9 });
    expect(await sweepStalledJobs(f.deps, { stalledAfterMs: 60_000 })).toEqual([]); // not stalled yet

    const sweeps = await Promise.all([1, 2, 3].map(() => sweepStalledJobs(f.deps, { stalledAfterMs: 0 })));
    const actions = sweeps.flat();
    expect(actions.filter((a) => a.action === 'redriven')).toEqual([
      expect.objectContaining({ jobId: job!.id, missingTiles: [1, 4, 7], published: 3 }),
    ]);
    expect(f.deps.bus.published.map((p) => (p.message as { tileIndex: number }).tileIndex)).toEqual([
      1, 4, 7,
    ]);
    const { tiles, aggregations } = await f.drain();
    expect({ tiles, aggregations }).toEqual({ tiles: 3, aggregations: 1 });
    [job] = (await allRows(f.deps.db)).jobs;
    expect(job).toMatchObject({ state: 'done', tiles_done: 9, redrives: 1 });
    expect(await sweepStalledJobs(f.deps, { stalledAfterMs: 0 })).toEqual([]);
  });

  it('after N re-drives fails the job with the reason, the missing tiles and the last error', async () => {
    const f = await onePair();
    lose(f, 'tiles', (k) => k === 2 || k === 5);
    await f.drain();
    const [job] = (await allRows(f.deps.db)).jobs;
    await f.deps.db
      .updateTable('jobs')
      .set({ last_error: 'tile 2: worker killed' })
      .where('id', '=', job!.id)
      .execute();
    for (let k = 0; k < 2; k++) {
      const [swept] = await sweepStalledJobs(f.deps, { stalledAfterMs: 0, maxRedrives: 2 });
      expect(swept).toMatchObject({ action: 'redriven', missingTiles: [2, 5] });
      lose(f, 'tiles', () => true); // lost again
    }
    const [last] = await sweepStalledJobs(f.deps, { stalledAfterMs: 0, maxRedrives: 2 });
    expect(last).toMatchObject({ action: 'failed', missingTiles: [2, 5] });
    const [failed] = (await allRows(f.deps.db)).jobs;
    expect(failed!.state).toBe('failed');
    expect(failed!.finished_at).not.toBeNull();
    expect(failed!.failure_reason).toMatch(
      /after 2 re-drive\(s\); missing tiles: 2, 5; last error: tile 2: worker killed/,
    );
    expect(await sweepStalledJobs(f.deps, { stalledAfterMs: 0 })).toEqual([]);
  });

  it('publishes a lost aggregation again, and plans a job whose planner died', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.deps.blobs.put('ds/metdb.json', Buffer.from(JSON.stringify(SETTINGS)));
    await f.upload('ds/frame_00.tif', frameBytes('frame_00.tif'));
    // The planner of frame_01's job dies after creating the job, before publishing anything.
    const publish = f.deps.bus.publish.bind(f.deps.bus);
    f.deps.bus.publish = () => Promise.reject(new Error('planner killed'));
    await expect(f.upload('ds/frame_01.tif', frameBytes('frame_01.tif'))).rejects.toThrow(/planner killed/);
    f.deps.bus.publish = publish;
    expect((await allRows(f.deps.db)).jobs.map((j) => j.state)).toEqual(['pending']);

    const [planned] = await sweepStalledJobs(f.deps, { stalledAfterMs: 0 });
    expect(planned).toMatchObject({ state: 'pending', action: 'redriven', published: 9 });
    // The aggregation message of the last tile is lost.
    f.deps.bus.publish = (topic, message, attributes) =>
      topic === 'aggregate' ? Promise.resolve('lost') : publish(topic, message, attributes);
    await f.drain();
    f.deps.bus.publish = publish;
    expect((await allRows(f.deps.db)).jobs.map((j) => j.state)).toEqual(['aggregating']);
    const [aggregation] = await sweepStalledJobs(f.deps, { stalledAfterMs: 0 });
    expect(aggregation).toMatchObject({ state: 'aggregating', action: 'redriven', published: 1 });
    expect((await f.drain()).aggregations).toBe(1);
    expect((await allRows(f.deps.db)).jobs.map((j) => j.state)).toEqual(['done']);
  });
});

describe('dead letters', () => {
  it('records a dead-lettered tile once, on its job, and the sweep fails the job naming it', async () => {
    const f = await onePair();
    const [lost] = f.deps.bus.published.splice(
      f.deps.bus.published.findIndex((p) => p.topic === 'tiles'),
      1,
    );
    await f.drain();
    const delivery = {
      messageId: '41',
      data: lost!.message,
      attributes: {
        ...lost!.attributes,
        CloudPubSubDeadLetterSourceSubscription: 'projects/p/subscriptions/metdb-dev-register-tile-push',
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
      },
      publishTime: '2026-12-06T03:00:00.000Z',
    };
    const first = await recordDeadLetter(f.deps, delivery);
    const again = await recordDeadLetter(f.deps, delivery);
    expect(first).toMatchObject({ kind: 'tile', tileIndex: 0, recorded: true });
    expect(again.recorded).toBe(false);
    const letters = await listDeadLetters(f.deps.db);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: 'tile', tile_index: 0, delivery_attempts: 5 });
    expect(letters[0]!.reason).toMatch(
      /tile message dead-lettered after 5 deliveries from .*register-tile-push/,
    );
    expect(JSON.parse(letters[0]!.payload)).toEqual(lost!.message);
    const [job] = (await allRows(f.deps.db)).jobs;
    expect(job!.last_error).toMatch(/^tile 0 dead-lettered: /);

    await sweepStalledJobs(f.deps, { stalledAfterMs: 0, maxRedrives: 1 });
    f.deps.bus.published.length = 0; // the re-driven tile is lost again
    await sweepStalledJobs(f.deps, { stalledAfterMs: 0, maxRedrives: 1 });
    const [failed] = (await allRows(f.deps.db)).jobs;
    expect(failed!.state).toBe('failed');
    expect(failed!.failure_reason).toMatch(/missing tiles: 0; last error: tile 0 dead-lettered/);
  });

  it('records a dead-lettered upload with its object name (to replay it)', async () => {
    const f = (fixture = await createPipelineFixture());
    const notification = { kind: 'storage#object', bucket: 'lab', name: 'ds/frame_00.tif', generation: '7' };
    const result = await recordDeadLetter(f.deps, { messageId: '9', data: notification, attributes: {} });
    expect(result).toMatchObject({ kind: 'upload', recorded: true });
    expect((await listDeadLetters(f.deps.db))[0]).toMatchObject({
      kind: 'upload',
      object_name: 'lab/ds/frame_00.tif',
    });
  });
});

describe('reprocessing', () => {
  it('supersedes an unfinished older version explicitly: no job is left running', async () => {
    const f = await onePair();
    lose(f, 'tiles', (k) => k < 4);
    await f.drain();
    const [v1] = (await allRows(f.deps.db)).jobs;
    expect(v1!.state).toBe('running');
    await reprocessDataset(
      f.deps,
      { schemaVersion: 1, datasetId: v1!.dataset_id, params: { upsampleFactor: 10 } },
      'r1',
    );
    await f.drain();
    const jobs = (await allRows(f.deps.db)).jobs;
    expect(jobs.map((j) => [j.version, j.state])).toEqual([
      [1, 'failed'],
      [2, 'done'],
    ]);
    expect(jobs[0]!.failure_reason).toBe(`superseded by version 2 (job ${jobs[1]!.id})`);
  });
});
