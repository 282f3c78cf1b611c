/**
 * Nothing stuck (issue 20): a settled dataset whose outputs announcement was lost (publishOutputs
 * killed mid-write, its delivery given up on) is announced again by the sweep, once its outputs
 * are missing, and never while a job runs or once the manifest is there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseOutputsMessage } from '../../shared/messages/outputs-message.js';
import { publishOutputs } from '../../shared/pipeline/publish-outputs.js';
import { sweepUnpublishedOutputs } from '../../shared/pipeline/sweep-unpublished-outputs.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createPipelineFixture, frameBytes, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('the sweep and outputs never written', () => {
  it('announces a settled dataset without its manifest, and nothing once the outputs are written', async () => {
    const f = (fixture = await createPipelineFixture());
    const deps = { ...f.deps, topics: { ...f.deps.topics, outputs: 'outputs' as const } };
    await f.deps.blobs.put(
      'ds/metdb.json',
      Buffer.from(JSON.stringify({ reference: 'frame_00.tif', tileSize: 128 })),
    );
    await f.upload('ds/frame_00.tif', frameBytes('frame_00.tif'));
    await f.upload('ds/frame_01.tif', frameBytes('frame_01.tif'));
    const [job] = (await allRows(f.deps.db)).jobs;
    // A job still running: its outputs are not due.
    expect(await sweepUnpublishedOutputs(deps, { stalledAfterMs: 0 })).toEqual([]);
    await f.drain();
    expect((await allRows(f.deps.db)).jobs.map((j) => j.state)).toEqual(['done']);
    f.deps.bus.published.length = 0; // the announcement aggregate made is lost
    // Settled just now: the announcement may still be on its way.
    expect(await sweepUnpublishedOutputs(deps, { stalledAfterMs: 60_000 })).toEqual([]);

    const prefix = `outputs/${job!.dataset_id}/v1/r1/`;
    const announced = await sweepUnpublishedOutputs(deps, { stalledAfterMs: 0 });
    expect(announced.map((a) => [a.datasetId, a.prefix])).toEqual([[job!.dataset_id, prefix]]);
    const [message] = f.deps.bus.published;
    expect(message?.topic).toBe('outputs');
    expect(parseOutputsMessage(message!.message)).toEqual({
      schemaVersion: 1,
      datasetId: job!.dataset_id,
      jobId: job!.id,
    });
    const written = await publishOutputs(deps, parseOutputsMessage(message!.message).datasetId);
    expect(written.prefix).toBe(prefix);
    expect(await f.deps.blobs.head(`${prefix}outputs.json`)).toBeDefined();
    expect(await sweepUnpublishedOutputs(deps, { stalledAfterMs: 0 })).toEqual([]);
    // Without an outputs topic (a local run writes its own), nothing is announced.
    expect(await sweepUnpublishedOutputs(f.deps, { stalledAfterMs: 0 })).toEqual([]);
  });
});
