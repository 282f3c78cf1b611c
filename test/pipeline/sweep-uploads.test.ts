/**
 * No upload lost (issue 20): an ingest that died after claiming its row, or whose deliveries were
 * all spent during a database outage before any row was written, is ingested again by the sweep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { recordDeadLetter } from '../../shared/pipeline/record-dead-letter.js';
import { sweepStalledUploads } from '../../shared/pipeline/sweep-stalled-uploads.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createDatasetFixture, frameBytes, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function withReference(): Promise<PipelineFixture> {
  return (fixture = await createDatasetFixture(['frame_00.tif']));
}

describe('the sweep and stalled uploads', () => {
  it('ingests again an upload left `received` (its ingest died after claiming the row), once', async () => {
    const f = await withReference();
    await f.deps.blobs.put('ds/frame_01.tif', frameBytes('frame_01.tif'));
    const event = await f.eventOf('ds/frame_01.tif');
    const put = f.deps.blobs.put.bind(f.deps.blobs);
    f.deps.blobs.put = () => Promise.reject(new MetdbError('unavailable', 'storage went away'));
    await expect(ingestUpload(f.deps, event)).rejects.toThrow(/storage went away/);
    f.deps.blobs.put = put;
    const stuck = (await allRows(f.deps.db)).images.find((i) => i.source_object === 'ds/frame_01.tif');
    expect(stuck?.status).toBe('received');
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 60_000 })).toEqual([]); // not stalled yet

    const swept = await sweepStalledUploads(f.deps, { stalledAfterMs: 0 });
    expect(swept).toEqual([
      // ingest reports a row it did not create as a duplicate; what counts is the row, below
      { upload: `lab/ds/frame_01.tif#${event.generation}`, cause: 'received', outcome: 'duplicate' },
    ]);
    const { images, jobs } = await allRows(f.deps.db);
    expect(images.find((i) => i.id === stuck!.id)?.status).toBe('ingested');
    expect(jobs).toHaveLength(1);
    expect(f.deps.bus.published.filter((p) => p.topic === 'tiles')).toHaveLength(9);
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 0 })).toEqual([]);
    expect((await allRows(f.deps.db)).images).toHaveLength(2);
  });

  it('ingests a dead-lettered upload that never got a row, and only that one', async () => {
    const f = await withReference();
    await f.deps.blobs.put('ds/frame_02.tif', frameBytes('frame_02.tif'));
    const event = await f.eventOf('ds/frame_02.tif');
    const notification = {
      kind: 'storage#object',
      bucket: 'lab',
      name: event.name,
      generation: event.generation,
      size: String(event.size),
    };
    const ingested = {
      kind: 'storage#object',
      bucket: 'lab',
      name: 'ds/frame_00.tif',
      generation: (await f.eventOf('ds/frame_00.tif')).generation,
    };
    for (const [id, data] of [
      ['7', notification],
      ['8', ingested],
    ] as const) {
      await recordDeadLetter(f.deps, {
        messageId: id,
        data,
        attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '5' },
      });
    }
    const swept = await sweepStalledUploads(f.deps, { stalledAfterMs: 0 });
    expect(swept).toEqual([
      { upload: `lab/ds/frame_02.tif#${event.generation}`, cause: 'dead-lettered', outcome: 'ingested' },
    ]);
    expect((await allRows(f.deps.db)).images.map((i) => i.status)).toEqual(['ingested', 'ingested']);
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 0 })).toEqual([]);
  });
});

describe('the sweep and uploads that left no trace', () => {
  it('ingests the objects of the bucket with no image row (notification lost), once, and nothing else', async () => {
    const f = await withReference();
    // Announced by nobody: no row, no dead letter (the emulator gave up on it during an outage).
    await f.deps.blobs.put('ds/frame_01.tif', frameBytes('frame_01.tif'));
    await f.deps.blobs.put('other/TileConfiguration.txt', Buffer.from('dim = 2\n'));
    await f.deps.blobs.put('outputs/x/v1/shifts.csv', Buffer.from('a,b\n'));
    const before = await allRows(f.deps.db);
    expect(before.images).toHaveLength(1);
    // Without the bucket to list, the lost upload stays lost: that is what this sweep adds.
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 0 })).toEqual([]);
    // Written just now: its own notification may still come.
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 60_000, uploadBucket: 'lab' })).toEqual([]);

    const event = await f.eventOf('ds/frame_01.tif');
    const swept = await sweepStalledUploads(f.deps, { stalledAfterMs: 0, uploadBucket: 'lab' });
    expect(swept).toEqual([
      { upload: `lab/ds/frame_01.tif#${event.generation}`, cause: 'unrecorded', outcome: 'ingested' },
    ]);
    const after = await allRows(f.deps.db);
    expect(after.images.map((i) => [i.source_object, i.status]).sort()).toEqual([
      ['ds/frame_00.tif', 'ingested'],
      ['ds/frame_01.tif', 'ingested'],
    ]);
    // Its canonical copy (datasets/...) is in the bucket now and is not an upload either.
    expect((await f.deps.blobs.list('datasets/')).length).toBe(2);
    expect(after.jobs).toHaveLength(1);
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 0, uploadBucket: 'lab' })).toEqual([]);

    // The same name overwritten: the new generation has no row, so it is ingested too.
    await new Promise((r) => setTimeout(r, 5));
    await f.deps.blobs.put('ds/frame_01.tif', frameBytes('frame_02.tif'));
    const newer = await f.eventOf('ds/frame_01.tif');
    expect(newer.generation).not.toBe(event.generation);
    expect(await sweepStalledUploads(f.deps, { stalledAfterMs: 0, uploadBucket: 'lab' })).toEqual([
      { upload: `lab/ds/frame_01.tif#${newer.generation}`, cause: 'unrecorded', outcome: 'ingested' },
    ]);
    expect((await allRows(f.deps.db)).images).toHaveLength(3);
  });
});
