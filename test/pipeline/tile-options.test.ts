/** The tile registration's options `noiseRegularization` and `refinements`, from metdb.json and reprocess messages to the tiles. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseReprocessMessage } from '../../shared/messages/reprocess-message.js';
import { loadDatasetSettings } from '../../shared/pipeline/dataset-settings.js';
import { reprocessDataset } from '../../shared/pipeline/reprocess-dataset.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createPipelineFixture, frameBytes, truth, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('noiseRegularization and refinements', () => {
  it('reach the tiles from metdb.json and from a reprocess message, and change what they measure', async () => {
    const f = (fixture = await createPipelineFixture());
    const settings = { reference: 'frame_00.tif', tileSize: 128, noiseRegularization: 0, refinements: 0 };
    await f.deps.blobs.put('opts/metdb.json', Buffer.from(JSON.stringify(settings)));
    const published: unknown[] = [];
    const publish = f.deps.bus.publish.bind(f.deps.bus);
    f.deps.bus.publish = async (topic, message, attributes) => {
      if (topic === 'tiles') published.push(message);
      return publish(topic, message, attributes);
    };
    for (const frame of truth.frames.slice(0, 2))
      await f.upload(`opts/${frame.file}`, frameBytes(frame.file));
    await f.drain();
    const first = await allRows(f.deps.db);
    const datasetId = first.datasets[0]!.id;
    const message = parseReprocessMessage({
      schemaVersion: 1,
      datasetId,
      params: { noiseRegularization: 64, refinements: 2 },
      requestId: 'opts-2',
    });
    await reprocessDataset(f.deps, message, 'm-opts');
    await f.drain();
    const rows = await allRows(f.deps.db);
    const [v1, v2] = [1, 2].map((v) => rows.jobs.find((j) => j.version === v)!);
    expect(JSON.parse(String(v1!.parameters))).toMatchObject({ noiseRegularization: 0, refinements: 0 });
    expect(JSON.parse(String(v2!.parameters))).toMatchObject({ noiseRegularization: 64, refinements: 2 });
    const params = published.map((m) => (m as { params: Record<string, unknown> }).params);
    expect(params.filter((p) => p.noiseRegularization === 0 && p.refinements === 0)).toHaveLength(9);
    expect(params.filter((p) => p.noiseRegularization === 64 && p.refinements === 2)).toHaveLength(9);
    // Both versions register the frame (within 0.1 px), with different peak ratios: the options are used.
    const expected = truth.frames[1]!.expected;
    const peaks = [v1!, v2!].map((job) => {
      const r = rows.registrations.find((g) => g.job_id === job.id)!;
      expect(Math.hypot(r.shift_y - expected[0]!, r.shift_x - expected[1]!)).toBeLessThan(0.1);
      return rows.tileResults.filter((t) => t.job_id === job.id).map((t) => t.peak);
    });
    expect(peaks[0]).not.toEqual(peaks[1]);
  });

  it('are validated at the edge, with a one-line error naming the field', async () => {
    const reprocess = (params: object) => () =>
      parseReprocessMessage({ schemaVersion: 1, datasetId: '01964b7e-0000-7000-8000-000000000001', params });
    expect(reprocess({ refinements: 1.5 })).toThrow(/refinements/);
    expect(reprocess({ refinements: 5 })).toThrow(/refinements/);
    expect(reprocess({ noiseRegularization: -1 })).toThrow(/noiseRegularization/);
    expect(reprocess({ noiseRegularization: 'high' })).toThrow(/noiseRegularization/);
    const f = (fixture = await createPipelineFixture());
    await f.deps.blobs.put('bad/metdb.json', Buffer.from(JSON.stringify({ refinements: -1 })));
    await expect(loadDatasetSettings(f.deps.blobs, 'bad')).rejects.toThrow(
      /^bad\/metdb\.json: refinements: /,
    );
  });
});
