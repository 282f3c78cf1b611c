/**
 * `runFolder` ingests and aggregates on the main thread and registers the tiles on its worker
 * threads: the same folder gives the same database rows with 1 and 2 workers (files ingested two
 * at a time), the reference is still the first usable file by name, and a bad file is recorded
 * as failed while the run goes on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  referenceCandidates,
  runFolder,
  splitPossibleCopies,
  type RunSummary,
} from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { copyDemoSeries, truth } from './demo-series-copy.js';

const FRAMES = ['frame_00.tif', 'frame_03.tif', 'frame_06.tif'];
let folder: string;
const runs: Record<number, RunSummary> = {};

beforeAll(async () => {
  folder = copyDemoSeries(FRAMES);
  // No reference named: the first usable file by name is the reference; 'a_broken.tif' sorts first.
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ tileSize: 128, upsampleFactor: 50 }));
  writeFileSync(join(folder, 'a_broken.tif'), 'II*\u0000 not really a TIFF');
  for (const workers of [1, 2]) {
    runs[workers] = await runFolder(folder, {
      workers,
      out: join(folder, `out-${workers}`),
      average: false,
      registeredImages: false,
    });
  }
}, 120_000);

afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

/** The rows of a run that do not depend on IDs or timing, in a stable order. */
async function rowsOf(summary: RunSummary) {
  const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
  try {
    const images = await handle.db
      .selectFrom('images')
      .select([
        'id',
        'source_object',
        'status',
        'content_hash',
        'width',
        'height',
        'pixel_type',
        'failure_reason',
      ])
      .orderBy('source_object')
      .execute();
    const name = new Map(images.map((i) => [i.id, i.source_object]));
    const jobs = await handle.db
      .selectFrom('jobs')
      .innerJoin('registrations', 'registrations.job_id', 'jobs.id')
      .select([
        'reference_image_id',
        'moving_image_id',
        'state',
        'tiles_total',
        'tiles_done',
        'shift_y',
        'shift_x',
      ])
      .execute();
    const tiles = await handle.db
      .selectFrom('tile_results')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return {
      images: images.map(({ id: _id, ...rest }) => rest),
      jobs: jobs
        .map((j) => ({
          ...j,
          reference_image_id: name.get(j.reference_image_id),
          moving_image_id: name.get(j.moving_image_id),
        }))
        .sort((a, b) => String(a.moving_image_id).localeCompare(String(b.moving_image_id))),
      tiles: Number(tiles?.n),
    };
  } finally {
    await handle.close();
  }
}

describe('runFolder with 1 and 2 workers', () => {
  it('gives the same rows with 1 and 2 workers', async () => {
    const one = await rowsOf(runs[1]!);
    const two = await rowsOf(runs[2]!);
    expect(two).toEqual(one);
    expect(one.images.map((i) => [i.source_object, i.status])).toEqual([
      ['series/a_broken.tif', 'failed'],
      ...FRAMES.map((f) => [`series/${f}`, 'ingested']),
    ]);
    expect(one.jobs.map((j) => [j.reference_image_id, j.moving_image_id, j.state])).toEqual([
      ['series/frame_00.tif', 'series/frame_03.tif', 'done'],
      ['series/frame_00.tif', 'series/frame_06.tif', 'done'],
    ]);
    expect(one.tiles).toBe(runs[1]!.tiles);
    expect(runs[2]!.tiles).toBe(runs[1]!.tiles);
  });

  it('registers the frames onto the first usable file, within 0.05 px', () => {
    for (const summary of Object.values(runs)) {
      expect(summary.results.find((r) => r.role === 'reference')?.file).toBe('frame_00.tif');
      for (const r of summary.results.filter((x) => x.role === 'registered')) {
        const expected = truth.frames.find((f) => f.file === r.file)!.shift;
        r.shift!.forEach((s, a) => expect(Math.abs(s - expected[a]!)).toBeLessThan(0.05));
      }
      expect(summary.registered).toBe(3);
      expect(summary.deadLetters).toEqual([]);
    }
  });

  it('records the bad file as failed, with the reason, in the file outcomes', () => {
    for (const summary of Object.values(runs)) {
      const bad = summary.files.find((f) => f.file === 'a_broken.tif');
      expect(bad).toMatchObject({ outcome: 'failed' });
      expect(bad?.reason ?? '').not.toBe('');
      expect(summary.files.map((f) => f.file)).toEqual(['a_broken.tif', ...FRAMES]);
    }
  });
});

describe('referenceCandidates', () => {
  it('is the named reference alone when it is among the files, else every file in order', () => {
    expect(referenceCandidates(['a.tif', 'b.tif', 'c.tif'], 'b.tif')).toEqual(['b.tif']);
    expect(referenceCandidates(['a.tif', 'b.tif'], 'z.tif')).toEqual(['a.tif', 'b.tif']);
    expect(referenceCandidates(['a.tif', 'b.tif'], undefined)).toEqual(['a.tif', 'b.tif']);
  });
});

describe('splitPossibleCopies', () => {
  it('puts every later copy of a file after the first wave, and only files that look like one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metdb-copies-'));
    try {
      const bytes = (seed: number, n: number): Buffer =>
        Buffer.from(Array.from({ length: n }, (_, i) => (i * seed) % 251));
      writeFileSync(join(dir, 'a.tif'), bytes(3, 100_000));
      writeFileSync(join(dir, 'b.tif'), bytes(5, 100_000)); // same size, other bytes
      writeFileSync(join(dir, 'c.tif'), bytes(3, 100_000)); // a copy of a.tif
      writeFileSync(join(dir, 'd.tif'), bytes(3, 90_000)); // same head, other size
      writeFileSync(join(dir, 'e.tif'), bytes(3, 100_000)); // another copy of a.tif
      const split = await splitPossibleCopies(dir, ['a.tif', 'b.tif', 'c.tif', 'd.tif', 'e.tif', 'gone.tif']);
      expect(split).toEqual({
        firsts: ['a.tif', 'b.tif', 'd.tif', 'gone.tif'],
        possibleCopies: ['c.tif', 'e.tif'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
