/**
 * The outputs trigger on the real use cases (SQLite, a folder as the bucket, the memory bus): a
 * settled job is announced on the outputs topic, `publishOutputs` writes the dataset's snapshot
 * under `outputs/<datasetId>/v<version>/r<revision>/` once nothing is in progress, a redelivery
 * finds the manifest and writes nothing, and a dataset that grows after its first outputs gets a
 * new revision instead of a stale table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAggregateMessage } from '../../shared/messages/aggregate-message.js';
import { parseOutputsMessage, type OutputsMessage } from '../../shared/messages/outputs-message.js';
import { parseTileMessage } from '../../shared/messages/tile-message.js';
import { aggregateAndAnnounce } from '../../shared/pipeline/aggregate-and-announce.js';
import { DecodedImageCache } from '../../shared/pipeline/decoded-image-cache.js';
import type { PipelineDeps } from '../../shared/pipeline/pipeline-deps.js';
import { OUTPUTS_MANIFEST, publishOutputs } from '../../shared/pipeline/publish-outputs.js';
import { recordDeadLetter } from '../../shared/pipeline/record-dead-letter.js';
import { registerTileFromMessage } from '../../shared/pipeline/register-tile-from-message.js';
import { sweepStalledJobs } from '../../shared/pipeline/sweep-stalled-jobs.js';
import { listDeadLetters } from '../../shared/records/dead-letters-repository.js';
import { getRegistration } from '../../shared/records/registrations-repository.js';
import { listJobs } from '../../shared/records/jobs-repository.js';
import { createPipelineFixture, frameBytes, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Runs tile and aggregate messages with an outputs topic until the bus is empty; returns the outputs messages. */
async function drainWithOutputs(f: PipelineFixture): Promise<OutputsMessage[]> {
  const deps: PipelineDeps = { ...f.deps, topics: { ...f.deps.topics, outputs: 'outputs' } };
  const cache = new DecodedImageCache();
  const announced: OutputsMessage[] = [];
  for (;;) {
    const next = f.deps.bus.published.shift();
    if (next === undefined) return announced;
    if (next.topic === 'tiles') await registerTileFromMessage(deps, parseTileMessage(next.message), cache);
    else if (next.topic === 'aggregate')
      await aggregateAndAnnounce(deps, parseAggregateMessage(next.message), cache);
    else if (next.topic === 'outputs') {
      const message = parseOutputsMessage(next.message);
      expect(next.attributes).toEqual({
        schemaVersion: '1',
        datasetId: message.datasetId,
        jobId: message.jobId,
      });
      announced.push(message);
    }
  }
}

const text = async (f: PipelineFixture, key: string): Promise<string> =>
  new TextDecoder().decode(await f.deps.blobs.get(key));

describe('outputs after aggregation', () => {
  it('announces each settled job; publishOutputs writes one snapshot per state of the records', async () => {
    const f = (fixture = await createPipelineFixture());
    const first = await f.upload('ds/frame_00.tif', frameBytes('frame_00.tif'));
    await f.upload('ds/frame_01.tif', frameBytes('frame_01.tif'));
    const datasetId = first.datasetId!;
    const announced = await drainWithOutputs(f);
    const [job] = await listJobs(f.deps.db, datasetId);
    expect(job?.state).toBe('done');
    expect(announced).toEqual([{ schemaVersion: 1, datasetId, jobId: job!.id }]);

    const published = await publishOutputs(f.deps, datasetId);
    const prefix = `outputs/${datasetId}/v1/r1/`;
    expect(published).toMatchObject({ published: true, prefix });
    const shifts = JSON.parse(await text(f, `${prefix}shifts.json`)) as {
      images: { file: string; shift: number[] | null; jobId: string | null }[];
    };
    const registration = await getRegistration(f.deps.db, job!.id, job!.moving_image_id);
    expect(shifts.images.map((i) => i.file)).toEqual(['frame_00.tif', 'frame_01.tif']);
    expect(shifts.images[1]!.shift).toEqual([registration!.shift_y, registration!.shift_x]);
    expect(published.outputs!.registered).toEqual([
      `gs://lab/${prefix}registered/frame_00.tif`,
      `gs://lab/${prefix}registered/frame_01.tif`,
    ]);
    expect(await f.deps.blobs.head(`${prefix}registered/frame_01.tif`)).toBeDefined();
    const manifest = JSON.parse(await text(f, `${prefix}${OUTPUTS_MANIFEST}`)) as Record<string, unknown>;
    expect(manifest).toMatchObject({ datasetId, dataset: 'ds', version: 1, revision: 1 });

    // A redelivery of the aggregate message announces again (the first announcement may have been
    // lost); the outputs delivery finds the manifest and writes nothing.
    f.deps.bus.published.push({
      id: 'redelivery',
      topic: 'aggregate',
      message: { schemaVersion: 1, jobId: job!.id },
      attributes: {},
    });
    expect(await drainWithOutputs(f)).toHaveLength(1);
    const generation = (await f.deps.blobs.head(`${prefix}shifts.json`))!.generation;
    expect(await publishOutputs(f.deps, datasetId)).toMatchObject({
      published: true,
      prefix,
      alreadyWritten: true,
    });
    expect((await f.deps.blobs.head(`${prefix}shifts.json`))!.generation).toBe(generation);

    // The dataset grows: a new revision, the first snapshot left as it was.
    await f.upload('ds/frame_02.tif', frameBytes('frame_02.tif'));
    const pending = await publishOutputs(f.deps, datasetId);
    expect(pending).toMatchObject({ published: false, reason: '1 job(s) still in progress' });
    expect(await drainWithOutputs(f)).toHaveLength(1);
    const grown = await publishOutputs(f.deps, datasetId);
    expect(grown.prefix).toBe(`outputs/${datasetId}/v1/r2/`);
    const files = (JSON.parse(await text(f, `${grown.prefix}shifts.json`)) as { images: { file: string }[] })
      .images;
    expect(files.map((i) => i.file)).toEqual(['frame_00.tif', 'frame_01.tif', 'frame_02.tif']);
    expect((await f.deps.blobs.head(`${prefix}shifts.json`))!.generation).toBe(generation);
  }, 60_000);

  it('announces a job the sweep fails, and records a dead-lettered announcement as such', async () => {
    const f = (fixture = await createPipelineFixture());
    const deps: PipelineDeps = { ...f.deps, topics: { ...f.deps.topics, outputs: 'outputs' } };
    const first = await f.upload('ds/frame_00.tif', frameBytes('frame_00.tif'));
    await f.upload('ds/frame_01.tif', frameBytes('frame_01.tif'));
    // Every tile message lost: the job stalls running, and the sweep, out of re-drives, fails it.
    f.deps.bus.published.length = 0;
    const swept = await sweepStalledJobs(deps, { stalledAfterMs: 0, maxRedrives: 0 });
    expect(swept.map((s) => s.action)).toEqual(['failed']);
    const announced = f.deps.bus.take('outputs');
    expect(announced.map((m) => m.message)).toEqual([
      { schemaVersion: 1, datasetId: first.datasetId, jobId: swept[0]!.jobId },
    ]);
    expect(await publishOutputs(f.deps, first.datasetId!)).toMatchObject({ published: true });

    const dead = await recordDeadLetter(f.deps, {
      messageId: '7',
      data: announced[0]!.message,
      attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '5' },
    });
    expect(dead).toMatchObject({ kind: 'outputs', recorded: true });
    expect((await listDeadLetters(f.deps.db))[0]).toMatchObject({ kind: 'outputs', job_id: null });
  }, 60_000);
});
