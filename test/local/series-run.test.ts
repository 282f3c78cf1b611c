/** `metdb run` on a folder holding one multi-page time series: read as frames, registered, solved once. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTION_QUALITY_COLUMNS } from '../../shared/quality-metrics/section-quality-csv.js';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readTiffStructure } from '../../shared/imaging/tiff-structure.js';
import { seriesDrift } from '../../shared/aggregation/series-drift.js';
import { driftSeries, type DriftSeries } from '../series/drift-series.js';

/** U2OS nuclei (BBBC022, CC0), the source of the demo series. */
const NUCLEI = new URL('../../samples/sources/bbbc022_hoechst.tif', import.meta.url).pathname;
const FRAMES = 8;
const SIZE = 160;

let parent: string;
let series: DriftSeries;
let summary: RunSummary;

/** A folder `<parent>/<name>` with these files. */
function folderWith(name: string, files: Record<string, Uint8Array | string>): string {
  const folder = join(parent, name);
  mkdirSync(folder);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(folder, file), bytes);
  return folder;
}

/** The stack as tifffile writes a plain array: a JSON shape, no axes. */
function plainStack(s: DriftSeries, add = 0): Uint8Array {
  const data = add === 0 ? s.stack.data : s.stack.data.map((v) => Math.min(65535, v + add));
  return encodeTiff(
    { data, shape: s.stack.shape },
    { description: JSON.stringify({ shape: s.stack.shape }) },
  );
}

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-series-'));
  series = await driftSeries({ frames: FRAMES, size: SIZE, noise: 0.03, source: NUCLEI });
  summary = await runFolder(folderWith('drift', { 'stack.tif': plainStack(series) }), {
    workers: 1,
    cwd: parent,
  });
}, 120_000);

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('run on a lone multi-page file without axis metadata', () => {
  it('reads it as a time series and says so', () => {
    expect(summary.files.map((f) => f.readAs)).toEqual([`${FRAMES} frames (t) of ${SIZE} x ${SIZE}, uint16`]);
    expect(summary.tiles).toBeGreaterThan(0);
  });

  it('recovers every frame within 0.1 px of the known drift (3 % noise, real borders)', () => {
    expect(summary.results.map((r) => r.frame)).toEqual([...Array(FRAMES).keys()]);
    expect(summary.results[0]!.role).toBe('reference');
    summary.results.forEach((r, k) => {
      expect(r.file).toBe('stack.tif');
      r.shift!.forEach((s, a) => expect(Math.abs(-s - series.drift[k]![a]!)).toBeLessThan(0.1));
    });
    expect(summary.results.slice(1).every((r) => r.role === 'registered' && r.quality === 'good')).toBe(true);
    expect(summary.series[0]!.verdict).toEqual({ quality: 'good', reasons: [] });
  });

  it('writes shifts.json per frame, drift.csv/json and one corrected stack', async () => {
    const shifts = JSON.parse(readFileSync(join(summary.out, 'shifts.json'), 'utf8')) as {
      images: { frame: number; file: string; shift: number[] }[];
    };
    expect(shifts.images.map((i) => [i.frame, i.file])).toEqual(series.drift.map((_, k) => [k, 'stack.tif']));
    const csv = readFileSync(join(summary.out, 'drift.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('frame,drift_y_px,drift_x_px');
    expect(csv).toHaveLength(FRAMES + 1);
    const last = csv.at(-1)!.split(',').map(Number);
    expect(Math.abs(last[1]! - series.drift.at(-1)![0]!)).toBeLessThan(0.1);
    const json = JSON.parse(readFileSync(join(summary.out, 'drift.json'), 'utf8')) as {
      mode: string;
      frames: { frame: number; drift_px: number[] }[];
    };
    expect(json.mode).toBe('rcc');
    expect(json.frames).toHaveLength(FRAMES);
    const corrected = join(summary.out, 'stack_corrected.ome.tif');
    expect(summary.seriesOutputs[0]?.corrected).toBe(corrected);
    const bytes = new Uint8Array(readFileSync(corrected));
    expect(readTiffStructure(bytes).description).toContain(`SizeT="${FRAMES}"`);
    const image = await decodeChannels(bytes);
    expect(image.channels[0]!.shape).toEqual([FRAMES, SIZE, SIZE]);
    // Corrected, the last frame lies on the first: what is left between them is a small fraction of the drift.
    const plane = SIZE * SIZE;
    const frame = (data: Uint16Array | Uint8Array | Float32Array, k: number) => ({
      data: Float32Array.from(data.subarray(k * plane, (k + 1) * plane)),
      shape: [SIZE, SIZE],
    });
    const out = image.channels[0]!.data;
    const left = seriesDrift([frame(out, 0), frame(out, FRAMES - 1)]).drift[1]!;
    const raw = seriesDrift([frame(series.stack.data, 0), frame(series.stack.data, FRAMES - 1)]).drift[1]!;
    expect(Math.hypot(...raw)).toBeGreaterThan(2);
    expect(Math.hypot(...left)).toBeLessThan(0.25);
  });

  it("writes the corrected stack's per-frame quality table and plots it in the report", () => {
    const csv = readFileSync(join(summary.out, 'quality.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(SECTION_QUALITY_COLUMNS.join(','));
    expect(csv).toHaveLength(FRAMES - 1 + 1 + 3);
    const rows = csv.slice(1, FRAMES).map((r) => r.split(','));
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: FRAMES - 1 }, (_, k) => k + 1));
    // The corrected frames agree: a high ncc between each and the one before, in the common region.
    for (const r of rows) expect(Number(r[6])).toBeGreaterThan(0.5);
    const json = JSON.parse(readFileSync(join(summary.out, 'quality.json'), 'utf8')) as {
      sections: { ncc: number; box: { width: number } }[];
    };
    expect(json.sections.map((q) => q.ncc.toPrecision(6))).toEqual(
      rows.map((r) => Number(r[6]).toPrecision(6)),
    );
    expect(json.sections[0]!.box.width).toBeLessThan(SIZE);
    const report = readFileSync(join(summary.out, 'report.html'), 'utf8');
    expect(report).toContain('<h2>Registration quality through the stack</h2>');
    expect(report.match(/<circle[^>]*><title>\d+: ncc = /g)).toHaveLength(FRAMES - 1);
  });

  it('records one series with its frames, solved by one job', async () => {
    const handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
    try {
      const jobs = await handle.db.selectFrom('jobs').select(['state', 'tiles_total']).execute();
      expect(jobs).toEqual([{ state: 'done', tiles_total: summary.tiles }]);
      const rows = await handle.db.selectFrom('series').selectAll().execute();
      expect(rows.map((r) => [r.state, r.mode, r.frames, r.frame_shape])).toEqual([
        ['done', 'rcc', FRAMES, `${SIZE}x${SIZE}`],
      ]);
      const frames = await handle.db.selectFrom('series_frames').selectAll().orderBy('frame_index').execute();
      expect(frames.map((f) => f.frame_index)).toEqual([...Array(FRAMES).keys()]);
      frames.forEach((f, k) => expect(Math.abs(f.drift_x - series.drift[k]![1]!)).toBeLessThan(0.1));
    } finally {
      await handle.close();
    }
  });
});

describe('reading rules', () => {
  it('several multi-page files of one shape are volumes, registered in 3D', async () => {
    const folder = folderWith('volumes', { 'a.tif': plainStack(series), 'b.tif': plainStack(series, 7) });
    const run = await runFolder(folder, { workers: 1, cwd: parent, registeredImages: false, average: false });
    expect(run.files.map((f) => f.readAs)).toEqual([
      `1 volume of ${FRAMES} planes (z) of ${SIZE} x ${SIZE}, uint16`,
      `1 volume of ${FRAMES} planes (z) of ${SIZE} x ${SIZE}, uint16`,
    ]);
    expect(run.series).toEqual([]);
    expect(run.results.find((r) => r.file === 'b.tif')?.shift).toHaveLength(3);
  }, 120_000);

  it('metdb.json "stackAxis": "z" makes a lone file a volume; nothing is registered with 0 tiles', async () => {
    const folder = folderWith('override', {
      'stack.tif': plainStack(series),
      'metdb.json': JSON.stringify({ stackAxis: 'z' }),
    });
    const run = await runFolder(folder, { workers: 1, cwd: parent, registeredImages: false, average: false });
    expect(run.files.map((f) => f.readAs)).toEqual([
      `1 volume of ${FRAMES} planes (z) of ${SIZE} x ${SIZE}, uint16`,
    ]);
    expect(run.tiles).toBe(0);
    expect(run.results.filter((r) => r.role === 'registered')).toEqual([]);
    expect(existsSync(join(run.out, 'drift.csv'))).toBe(false);
  }, 120_000);
});
