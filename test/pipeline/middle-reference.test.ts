/** `"reference": "middle"` in metdb.json: the middle image file of the dataset, in the cloud's use cases and in `metdb run`. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { middleImageFile } from '../../shared/pipeline/middle-reference.js';
import { allRows } from '../integration/pipeline-harness.js';
import { copyDemoSeries, truth as demo } from '../local/demo-series-copy.js';
import { createPipelineFixture, frameBytes, truth, type PipelineFixture } from './pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('reference "middle"', () => {
  it('is the image file at n/2 in natural order; other files do not count', () => {
    expect(middleImageFile(['a_10.tif', 'a_2.tif', 'a_1.tif'])).toBe('a_2.tif');
    expect(
      middleImageFile(['f3.tif', 'f1.tif', 'f2.tif', 'f0.tif', 'notes.txt', 'metdb.json', '.f9.tif']),
    ).toBe('f2.tif');
    expect(middleImageFile(['only.mrc'])).toBe('only.mrc');
    expect(middleImageFile(['truth.json'])).toBeUndefined();
  });

  it('in the cloud use cases: the middle frame of the uploaded folder becomes the reference', async () => {
    const f = (fixture = await createPipelineFixture());
    const files = truth.frames.map((fr) => fr.file); // frame_00 ... frame_04
    await f.deps.blobs.put(
      'mid/metdb.json',
      Buffer.from(JSON.stringify({ reference: 'middle', tileSize: 128 })),
    );
    await f.deps.blobs.put('mid/notes.txt', Buffer.from('not an image'));
    for (const file of files) await f.deps.blobs.put(`mid/${file}`, frameBytes(file));
    // Ingested in name order: frame_00 and frame_01 wait, frame_02 is the reference and plans them.
    for (const file of files) await ingestUpload(f.deps, await f.eventOf(`mid/${file}`));
    await f.drain();
    const rows = await allRows(f.deps.db);
    const reference = rows.images.find((i) => i.id === rows.datasets[0]!.reference_image_id)!;
    expect(reference.source_object).toBe('mid/frame_02.tif');
    expect(rows.jobs.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    // Each frame's shift onto frame_02: its shift onto frame_00 minus frame_02's.
    const onto0 = (file: string) => truth.frames.find((fr) => fr.file === file)!.expected;
    for (const r of rows.registrations) {
      const file = rows.images.find((i) => i.id === r.image_id)!.source_object.slice('mid/'.length);
      const expected = onto0(file).map((s, k) => s - onto0('frame_02.tif')[k]!);
      expect(Math.abs(r.shift_y - expected[0]!), file).toBeLessThan(0.05);
      expect(Math.abs(r.shift_x - expected[1]!), file).toBeLessThan(0.05);
    }
  });

  it('in metdb run: the middle of the folder is the reference in shifts.json', async () => {
    const frames = demo.frames.slice(0, 5).map((fr) => fr.file);
    const folder = copyDemoSeries(frames, 'middle');
    try {
      writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ reference: 'middle', tileSize: 128 }));
      const summary = await runFolder(folder, { workers: 1, out: join(dirname(folder), 'out') });
      const json = JSON.parse(readFileSync(summary.outputs.shiftsJson, 'utf8')) as {
        images: { file: string; role: string; shift: number[] }[];
      };
      expect(json.images.filter((i) => i.role === 'reference').map((i) => i.file)).toEqual(['frame_02.tif']);
      const shiftOf = (file: string) => demo.frames.find((fr) => fr.file === file)!.shift;
      for (const image of json.images.filter((i) => i.role === 'registered')) {
        const expected = shiftOf(image.file).map((s, k) => s - shiftOf('frame_02.tif')[k]!);
        expect(
          Math.hypot(image.shift[0]! - expected[0]!, image.shift[1]! - expected[1]!),
          image.file,
        ).toBeLessThan(0.1);
      }
    } finally {
      rmSync(dirname(folder), { recursive: true, force: true });
    }
  }, 120_000);
});
