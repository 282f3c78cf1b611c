import { appendFileSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../cli/run-command.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { copyDemoSeries, SERIES } from '../local/demo-series-copy.js';

const CELL = new URL('../fixtures/images/cell_u16.tif', import.meta.url).pathname;

/** Rows y0.. and columns x0.. of a 2D image, `shape` pixels. */
function crop(image: NdArray, [y0, x0]: readonly number[], [h, w]: readonly number[]): NdArray<Uint16Array> {
  const width = image.shape[1]!;
  const data = new Uint16Array(h! * w!);
  for (let y = 0; y < h!; y++) {
    for (let x = 0; x < w!; x++) data[y * w! + x] = image.data[(y0! + y) * width + x0! + x]!;
  }
  return { data, shape: [h!, w!] };
}

function transpose(image: NdArray): NdArray<Uint16Array> {
  const [h, w] = image.shape as [number, number];
  const data = new Uint16Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[x * h + y] = image.data[y * w + x]!;
  return { data, shape: [w, h] };
}

describe('every registration carries a quality verdict', () => {
  let folder: string;
  let summary: RunSummary;

  beforeAll(async () => {
    folder = copyDemoSeries(['frame_00.tif', 'frame_03.tif']);
    // The same pixels as the reference, saved as other bytes (a trailing byte: another hash).
    copyFileSync(join(SERIES, 'frame_00.tif'), join(folder, 'frame_00_copy.tif'));
    appendFileSync(join(folder, 'frame_00_copy.tif'), Buffer.from([0]));
    // Unrelated content of the same size and type: the phase image of a cell, transposed and cropped.
    const frame = (await readImageFile(join(SERIES, 'frame_00.tif'))).array;
    const cell = transpose((await readImageFile(CELL)).array);
    writeFileSync(join(folder, 'unrelated.tif'), encodeTiff(crop(cell, [100, 0], frame.shape)));
    summary = await runFolder(folder, { workers: 2, out: join(dirname(folder), 'out') });
  }, 120_000);

  afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

  it('an image identical to the reference finishes, with shift 0 and quality good', () => {
    const copy = summary.results.find((r) => r.file === 'frame_00_copy.tif')!;
    expect(copy.role).toBe('registered');
    expect(copy.quality).toBe('good');
    copy.shift!.forEach((s) => expect(Math.abs(s)).toBeLessThan(1e-3));
    expect(copy.nccAfter).toBeCloseTo(1, 6);
    expect(summary.deadLetters).toEqual([]);
  });

  it('a real frame of the series is good; an unrelated image is failed, with the evidence', () => {
    const frame = summary.results.find((r) => r.file === 'frame_03.tif')!;
    expect(frame.quality).toBe('good');
    expect(frame.qualityReasons).toEqual([]);
    expect(frame.nccAfter!).toBeGreaterThan(frame.nccChance!);
    const unrelated = summary.results.find((r) => r.file === 'unrelated.tif')!;
    expect(unrelated.quality).toBe('failed');
    expect(unrelated.role).toBe('failed');
    expect(unrelated.qualityReasons.join(' ')).toMatch(/at-chance/);
    expect(unrelated.failureReason).toMatch(/quality check/);
  });

  it('the tile errors are real: near 0 for the identical image, never the constant 1', () => {
    const copy = summary.results.find((r) => r.file === 'frame_00_copy.tif')!;
    const frame = summary.results.find((r) => r.file === 'frame_03.tif')!;
    expect(copy.tileErrorMedian!).toBeLessThan(1e-3);
    expect(frame.tileErrorMedian!).toBeGreaterThan(0);
    expect(frame.tileErrorMedian!).toBeLessThan(0.5);
  });

  it('shifts.csv, shifts.json and the database say the same', async () => {
    const { readFile } = await import('node:fs/promises');
    const json = JSON.parse(await readFile(join(summary.out, 'shifts.json'), 'utf8')) as {
      images: { file: string; quality: string | null; qualityReasons: string[] }[];
    };
    const byFile = new Map(json.images.map((i) => [i.file, i]));
    expect(byFile.get('unrelated.tif')!.quality).toBe('failed');
    expect(byFile.get('frame_03.tif')!.quality).toBe('good');
    expect(byFile.get('frame_00.tif')!.quality).toBeNull();
    const csv = (await readFile(join(summary.out, 'shifts.csv'), 'utf8')).trim().split('\n');
    const header = csv[0]!.split(',');
    const q = header.indexOf('quality');
    expect(q).toBeGreaterThan(0);
    expect(header).toContain('quality_reasons');
    const unrelatedLine = csv.find((l) => l.includes('unrelated.tif'))!;
    expect(unrelatedLine).toMatch(/,failed,/);
    const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
    try {
      const rows = await handle.db
        .selectFrom('registrations')
        .select(['quality', 'quality_reasons'])
        .execute();
      expect(rows.map((r) => r.quality).sort()).toEqual(['failed', 'good', 'good']);
      const tiles = await handle.db.selectFrom('tile_results').select(['quality', 'weight']).execute();
      expect(tiles.every((t) => ['good', 'low', 'failed'].includes(t.quality!))).toBe(true);
      expect(tiles.every((t) => Number.isFinite(t.weight))).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('the run succeeds when an image registered well, and fails when none did', () => {
    expect(exitCodeOf(summary)).toBe(0);
    const onlyBad = {
      ...summary,
      results: summary.results.filter((r) => r.file !== 'frame_03.tif' && r.file !== 'frame_00_copy.tif'),
    };
    expect(exitCodeOf(onlyBad)).toBe(1);
  });
});

describe('neighbouring mosaic tiles that share 17 % of their area', () => {
  let folder: string;
  let summary: RunSummary;

  beforeAll(async () => {
    folder = copyDemoSeries([], 'mosaic');
    writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ reference: 'left.tif', tileSize: 128 }));
    const frame = (await readImageFile(join(SERIES, 'frame_00.tif'))).array;
    // Two 347 x 353 tiles 293 px apart: 60 columns (17 %) in common, beyond what a shift within
    // half the image width can express, so no translation of the whole image registers them.
    writeFileSync(join(folder, 'left.tif'), encodeTiff(crop(frame, [0, 0], [347, 353])));
    writeFileSync(join(folder, 'right.tif'), encodeTiff(crop(frame, [0, 293], [347, 353])));
    summary = await runFolder(folder, { workers: 2, out: join(dirname(folder), 'out') });
  }, 120_000);

  afterAll(() => rmSync(dirname(folder), { recursive: true, force: true }));

  it('are not reported as registered well, and the run fails', () => {
    const right = summary.results.find((r) => r.file === 'right.tif')!;
    expect(right.quality).not.toBe('good');
    expect(right.qualityReasons.length).toBeGreaterThan(0);
    expect(exitCodeOf(summary)).toBe(1);
  });
});
