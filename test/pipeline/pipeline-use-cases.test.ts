/** The pipeline's use cases on SQLite, a local folder and the memory bus: behaviour, idempotency, failures. */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { reprocessDataset } from '../../shared/pipeline/reprocess-dataset.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createPipelineFixture, frameBytes, truth, type PipelineFixture } from './pipeline-fixture.js';

const SETTINGS = { reference: 'frame_00.tif', tileSize: 128, upsampleFactor: 100 };
let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function uploadSeries(f: PipelineFixture, order: number[]) {
  await f.deps.blobs.put('ds/metdb.json', Buffer.from(JSON.stringify(SETTINGS)));
  for (const k of order) await f.upload(`ds/${truth.frames[k]!.file}`, frameBytes(truth.frames[k]!.file));
}

describe('pipeline use cases (SQLite, local folder, memory bus)', () => {
  it('registers a series uploaded in any order, within 0.05 px of the truth', async () => {
    const f = (fixture = await createPipelineFixture());
    await uploadSeries(f, [3, 1, 0, 4, 2]); // the reference arrives third: it plans the two before it
    const { tiles, aggregations } = await f.drain();
    expect(tiles).toBe(4 * 9);
    expect(aggregations).toBe(4);
    const rows = await allRows(f.deps.db);
    expect(rows.jobs.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    for (const r of rows.registrations) {
      const image = rows.images.find((i) => i.id === r.image_id)!;
      const expected = truth.frames.find((fr) => `ds/${fr.file}` === image.source_object)!.expected;
      expect(Math.abs(r.shift_y - expected[0]!)).toBeLessThan(0.05);
      expect(Math.abs(r.shift_x - expected[1]!)).toBeLessThan(0.05);
    }
    expect(await f.deps.blobs.get(rows.images[0]!.storage_path)).toBeDefined();
  });

  it('is idempotent: every event and message handled twice leaves the same rows', async () => {
    const f = (fixture = await createPipelineFixture());
    await uploadSeries(f, [0, 1, 2]);
    const messages = [...f.deps.bus.published];
    await f.drain();
    const before = await allRows(f.deps.db);
    for (const k of [0, 1, 2]) {
      const result = await ingestUpload(f.deps, await f.eventOf(`ds/${truth.frames[k]!.file}`));
      expect(result.outcome).toBe('duplicate');
    }
    f.deps.bus.published.push(...messages, ...messages);
    const again = await f.drain();
    expect(again.aggregations).toBe(0);
    expect(await allRows(f.deps.db)).toEqual(before);
  });

  it('does not create a second image for the same bytes under another name', async () => {
    const f = (fixture = await createPipelineFixture());
    const first = await f.upload('ds/a.tif', frameBytes('frame_01.tif'));
    const second = await f.upload('ds/copy of a.tif', frameBytes('frame_01.tif'));
    expect(first.outcome).toBe('ingested');
    expect(second).toMatchObject({ outcome: 'duplicate', imageId: first.imageId });
    expect((await allRows(f.deps.db)).images).toHaveLength(1);
  });

  it('records bad uploads as failed rows with a reason, and ignores canonical copies and settings', async () => {
    const f = (fixture = await createPipelineFixture({ maxBytes: 2 ** 31 - 1, maxPixels: 100_000 }));
    const big = encodeTiff({ data: new Uint8Array(400 * 400), shape: [400, 400] });
    const results = {
      empty: await f.upload('bad/empty.tif', new Uint8Array(0)),
      text: await f.upload('bad/notes.tif', Buffer.from('not an image')),
      truncated: await f.upload('bad/cut.tif', frameBytes('frame_00.tif').subarray(0, 3000)),
      huge: await f.upload('bad/huge.tif', big),
      root: await f.upload('loose.tif', frameBytes('frame_00.tif')),
    };
    for (const r of Object.values(results)) expect(r.outcome).toBe('failed');
    expect(results.empty.reason).toMatch(/0 bytes/);
    expect(results.huge.reason).toMatch(/pixel|large|limit/i);
    expect(results.root.reason).toMatch(/not inside a dataset folder/);
    const images = (await allRows(f.deps.db)).images;
    expect(images.map((i) => i.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(images.every((i) => (i.failure_reason ?? '').length > 0)).toBe(true);
    expect((await f.upload('bad/metdb.json', Buffer.from('{}'))).outcome).toBe('ignored');
    expect((await f.upload('datasets/x/images/y.tif', frameBytes('frame_00.tif'))).outcome).toBe('ignored');
    expect(f.deps.bus.published).toHaveLength(0);
  });

  it('reprocess plans new versions once per request and keeps earlier results', async () => {
    const f = (fixture = await createPipelineFixture());
    await uploadSeries(f, [0, 1, 2]);
    await f.drain();
    const before = await allRows(f.deps.db);
    const message = {
      schemaVersion: 1 as const,
      datasetId: before.datasets[0]!.id,
      params: { upsampleFactor: 10, tileSize: 256 },
      requestId: 'rerun-1',
    };
    const first = await reprocessDataset(f.deps, message, 'm1');
    const again = await reprocessDataset(f.deps, message, 'm2');
    expect(first.jobIds).toHaveLength(2);
    expect(again.jobIds).toEqual(first.jobIds);
    expect((await f.drain()).aggregations).toBe(2);
    const after = await allRows(f.deps.db);
    expect(after.jobs.map((j) => j.version).sort()).toEqual([1, 1, 2, 2]);
    expect(after.registrations).toHaveLength(4);
    for (const r of before.registrations) expect(after.registrations).toContainEqual(r);
  });

  it('fails a job whose tiles are all flat, with the reason', async () => {
    const f = (fixture = await createPipelineFixture());
    const flat = (v: number) => encodeTiff({ data: new Uint16Array(64 * 64).fill(v), shape: [64, 64] });
    await f.upload('flat/a.tif', flat(100));
    await f.upload('flat/b.tif', flat(200));
    await f.drain();
    const [job] = (await allRows(f.deps.db)).jobs;
    expect(job).toMatchObject({ state: 'failed', tiles_done: 1 });
    expect(job!.failure_reason).toMatch(/no usable tile.*low-signal/);
  });
});
