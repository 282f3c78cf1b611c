/**
 * Hostile and odd uploads (issue 20): every one leaves a `failed` row with its reason, no dataset
 * named `..`, no decoding of a decompression bomb, and a job planned from two ingests at once
 * publishes its tiles once.
 */
import { once } from 'node:events';
import { createDeflate } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { FinalizedObject } from '../../shared/messages/storage-event.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { DEFAULT_PIPELINE_LIMITS } from '../../shared/pipeline/pipeline-deps.js';
import { planRegistration } from '../../shared/pipeline/plan-registration.js';
import { resolveJobParams } from '../../shared/pipeline/dataset-settings.js';
import { allRows } from '../integration/pipeline-harness.js';
import { createPipelineFixture, frameBytes, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** The finalize event of an object that a bucket announced (its bytes are never read here). */
function eventFor(name: string, size = 1000): FinalizedObject {
  return {
    kind: 'finalized',
    bucket: 'lab',
    name,
    generation: '17',
    size,
    idempotencyKey: `gcs:lab/${name}#17`,
  };
}

/** A valid 8-bit grey PNG of width x height zeros: a few hundred kB that decode to width x height bytes. */
async function pngBomb(width: number, height: number): Promise<Buffer> {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(4 + body.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey, deflate, no filter, no interlace
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const row = Buffer.alloc(width + 1); // filter byte 0, then zeros
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await once(deflate, 'end');
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat(parts)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('hostile uploads', () => {
  it('an object name over 1024 bytes leaves a failed row with a hash-shortened name, once', async () => {
    const f = (fixture = await createPipelineFixture());
    const name = `ds/${'ü'.repeat(600)}.tif`; // 1207 UTF-8 bytes
    const first = await ingestUpload(f.deps, eventFor(name));
    expect(first.outcome).toBe('failed');
    expect(first.reason).toMatch(/1207 bytes, over the 1024-byte limit/);
    const again = await ingestUpload(f.deps, eventFor(name));
    expect(again).toMatchObject({ outcome: 'failed', imageId: first.imageId });
    const other = await ingestUpload(f.deps, eventFor(`ds/${'ü'.repeat(601)}.tif`));
    expect(other.imageId).not.toBe(first.imageId);
    const { images, datasets } = await allRows(f.deps.db);
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(image.status).toBe('failed');
      expect(Buffer.byteLength(image.source_object)).toBeLessThanOrEqual(1024);
      expect(image.source_object).toMatch(/^ds\/ü+…#[0-9a-f]{16}$/);
    }
    expect(datasets.map((d) => d.name)).toEqual(['ds']);
  });

  it('a name that is not well-formed Unicode leaves a failed row', async () => {
    const f = (fixture = await createPipelineFixture());
    const result = await ingestUpload(f.deps, eventFor('ds/frame\uD800.tif'));
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(result.reason).toMatch(/not well-formed Unicode/);
    expect((await allRows(f.deps.db)).images[0]!.source_object).toMatch(/^ds\/frame\uFFFD\.tif…#/);
  });

  it('traversal and other unusable folder names never create a dataset named after them', async () => {
    const f = (fixture = await createPipelineFixture());
    const names = [
      '../x.tif',
      './x.tif',
      'ds/../x.tif',
      'ds/./x.tif',
      '../../etc/passwd',
      '/x.tif',
      'a\u0001b/x.tif',
    ];
    for (const name of names) {
      const result = await ingestUpload(f.deps, eventFor(name));
      expect(result.outcome, name).toBe('failed');
      expect(result.reason, name).toMatch(/traversal|not a valid dataset name/);
    }
    const { images, datasets } = await allRows(f.deps.db);
    expect(datasets.map((d) => d.name)).toEqual(['_unsorted']);
    expect(images.map((i) => i.status)).toEqual(names.map(() => 'failed'));
  });

  it('refuses a decompression bomb from its header with the default pixel limit, before decoding', async () => {
    const f = (fixture = await createPipelineFixture(DEFAULT_PIPELINE_LIMITS));
    const bomb = await pngBomb(12_000, 12_000); // 1.44e8 pixels in about 140 kB
    expect(bomb.length).toBeLessThan(400_000);
    const result = await f.upload('ds/bomb.png', bomb);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/12000 x 12000 x 1 = 144000000 voxels exceeds the limit of 100000000/);
  });
});

describe('planning', () => {
  it('publishes the tiles of a job once when two planners reach it together', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.deps.blobs.put(
      'ds/metdb.json',
      Buffer.from(JSON.stringify({ reference: 'frame_00.tif', tileSize: 128 })),
    );
    await f.deps.blobs.put('ds/frame_00.tif', frameBytes('frame_00.tif'));
    await f.deps.blobs.put('ds/frame_01.tif', frameBytes('frame_01.tif'));
    // Publishing takes a few milliseconds on Pub/Sub: the second planner finds the job still pending.
    const bus = f.deps.bus;
    const slowBus = {
      publish: async (...args: Parameters<typeof bus.publish>) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return bus.publish(...args);
      },
    };
    const deps = { ...f.deps, bus: slowBus };
    // The reference and the moving image arrive together: each ingest plans the pair.
    const results = await Promise.all([
      ingestUpload(deps, await f.eventOf('ds/frame_00.tif')),
      ingestUpload(deps, await f.eventOf('ds/frame_01.tif')),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['ingested', 'ingested']);
    const { jobs } = await allRows(f.deps.db);
    expect(jobs).toHaveLength(1);
    const tiles = f.deps.bus.published.filter((p) => p.topic === 'tiles');
    expect(tiles).toHaveLength(jobs[0]!.tiles_total);

    // The same planning request twice at once (two deliveries of one event): one publishes.
    f.deps.bus.published.length = 0;
    const { images } = await allRows(f.deps.db);
    const [reference, moving] = images;
    const input = {
      datasetId: reference!.dataset_id,
      reference: reference!,
      moving: moving!,
      params: resolveJobParams(2, { tileSize: 128 }),
      requestKey: 'plan:twice',
    };
    const both = await Promise.all([planRegistration(deps, input), planRegistration(deps, input)]);
    expect(both.map((p) => p.published).sort((a, b) => a - b)).toEqual([0, 9]);
    expect(f.deps.bus.published.filter((p) => p.topic === 'tiles')).toHaveLength(9);
  });
});
