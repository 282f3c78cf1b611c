import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { copyDemoSeries, truth } from './demo-series-copy.js';

const FRAMES = ['frame_00.tif', 'frame_02.tif', 'frame_05.tif', 'frame_07.tif'];
let folder: string;
let summary: RunSummary;

beforeAll(async () => {
  folder = copyDemoSeries(FRAMES);
  writeFileSync(join(folder, 'broken.tif'), 'this is text, not a TIFF');
  writeFileSync(join(folder, 'empty.png'), '');
  writeFileSync(join(folder, 'notes.txt'), 'not an image, left alone');
  summary = await runFolder(folder, { workers: 2, cwd: dirname(folder) });
}, 120_000);

afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

describe('runFolder on the demo series', () => {
  it('registers every frame onto frame_00 within 0.05 px of the known shifts', () => {
    const registered = summary.results.filter((r) => r.role === 'registered');
    expect(registered.map((r) => r.file)).toEqual(['frame_02.tif', 'frame_05.tif', 'frame_07.tif']);
    expect(summary.results.find((r) => r.role === 'reference')?.file).toBe('frame_00.tif');
    for (const r of registered) {
      const expected = truth.frames.find((f) => f.file === r.file)!.shift;
      r.shift!.forEach((s, a) => expect(Math.abs(s - expected[a]!)).toBeLessThan(0.05));
      expect(r.nccAfter!).toBeGreaterThan(r.nccBefore!);
      expect(r.tilesUsed).toBeGreaterThan(4);
    }
    expect(summary.registered).toBe(4);
    expect(summary.deadLetters).toEqual([]);
  });

  it('records bad files as failed with a reason and goes on', async () => {
    const failed = summary.results.filter((r) => r.role === 'failed');
    expect(failed.map((r) => r.file).sort()).toEqual(['broken.tif', 'empty.png']);
    expect(failed.every((r) => (r.failureReason ?? '').length > 0)).toBe(true);
    expect(summary.ignored).toEqual(['metdb.json', 'notes.txt']);
    const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
    try {
      const rows = await handle.db
        .selectFrom('images')
        .select(['source_object', 'status'])
        .orderBy('source_object')
        .execute();
      expect(rows).toEqual([
        { source_object: 'series/broken.tif', status: 'failed' },
        { source_object: 'series/empty.png', status: 'failed' },
        ...FRAMES.map((f) => ({ source_object: `series/${f}`, status: 'ingested' })),
      ]);
      const jobs = await handle.db.selectFrom('jobs').select(['state']).execute();
      expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done']);
      expect(await handle.db.selectFrom('registrations').select('job_id').execute()).toHaveLength(3);
    } finally {
      await handle.close();
    }
  });

  it('writes shifts.csv, shifts.json, registered 16-bit images, the average and the report', async () => {
    const out = summary.out;
    // The default output folder: .metdb/<dataset> in the current folder, outside the input folder.
    expect(out).toBe(join(dirname(folder), '.metdb', 'series'));
    const csv = readFileSync(join(out, 'shifts.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^image_id,file,role,shift_y,shift_x,/);
    expect(csv).toHaveLength(1 + 6);
    const json = JSON.parse(readFileSync(join(out, 'shifts.json'), 'utf8')) as {
      axes: string[];
      images: { file: string; shift: number[] | null }[];
    };
    expect(json.axes).toEqual(['y', 'x']);
    expect(json.images.find((i) => i.file === 'frame_07.tif')?.shift).toEqual(
      summary.results.find((r) => r.file === 'frame_07.tif')?.shift,
    );
    expect(summary.outputs.registered).toHaveLength(4);
    const reference = await readImageFile(join(folder, 'frame_00.tif'));
    const moved = await readImageFile(join(out, 'registered', 'frame_07.tif'));
    expect(moved.info.pixelType).toBe('uint16');
    expect(moved.array.shape).toEqual(reference.array.shape);
    const average = await readImageFile(join(out, 'average.tif'));
    expect(average.info.pixelType).toBe('float32');
    expect(average.array.shape[0]).toBeGreaterThanOrEqual(reference.array.shape[0]!);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('a second run over the same folder and database registers nothing new', async () => {
    const again = await runFolder(folder, {
      workers: 1,
      average: false,
      registeredImages: false,
      cwd: dirname(folder),
    });
    expect(again.tiles).toBe(0);
    expect(again.results.map((r) => r.shift)).toEqual(summary.results.map((r) => r.shift));
  }, 60_000);
});
