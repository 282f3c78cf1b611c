import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { LocalFolderBlobStore } from '../../shared/adapters/local-folder-blob-store.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { publishOutputs } from '../../shared/pipeline/publish-outputs.js';

const PAIR = new URL('../fixtures/units/bbbc022_pair/', import.meta.url).pathname;
/** A 5-frame ImageJ hyperstack (TYX): a time series of one file. */
const SERIES = new URL('../fixtures/series/migration_tyx_imagej.tif', import.meta.url).pathname;
let parent: string;
let summary: RunSummary;
let handle: DatabaseHandle;
let blobs: LocalFolderBlobStore;
let seriesRun: RunSummary;
let seriesHandle: DatabaseHandle;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-publish-'));
  const folder = join(parent, 'bbbc022');
  cpSync(PAIR, folder, { recursive: true });
  summary = await runFolder(folder, { workers: 1, out: join(parent, 'out') });
  handle = await connectDatabase({ kind: 'sqlite', path: join(summary.out, 'metdb.sqlite') });
  blobs = new LocalFolderBlobStore(join(summary.out, 'blobs'), { bucket: 'results' });
  const seriesFolder = join(parent, 'migration');
  mkdirSync(seriesFolder);
  copyFileSync(SERIES, join(seriesFolder, 'migration.tif'));
  seriesRun = await runFolder(seriesFolder, { workers: 1, out: join(parent, 'series-out') });
  seriesHandle = await connectDatabase({ kind: 'sqlite', path: join(seriesRun.out, 'metdb.sqlite') });
}, 180_000);
afterAll(async () => {
  await handle?.close();
  await seriesHandle?.close();
  rmSync(parent, { recursive: true, force: true });
});

describe('publishOutputs (the cloud writes the same outputs as a laptop)', () => {
  it('writes the shift table, registered images, OME-Zarr and report under outputs/<dataset>/v<version>/', async () => {
    const result = await publishOutputs({ db: handle.db, blobs }, summary.datasetId!);
    expect(result.published).toBe(true);
    const prefix = `outputs/${summary.datasetId}/v1/r1/`;
    expect(result.prefix).toBe(prefix);
    // The same shift table as the local run's, byte for byte.
    const json = await blobs.get(`${prefix}shifts.json`);
    expect(new TextDecoder().decode(json)).toBe(readFileSync(summary.outputs.shiftsJson, 'utf8'));
    expect(new TextDecoder().decode(await blobs.get(`${prefix}shifts.csv`))).toBe(
      readFileSync(summary.outputs.shiftsCsv, 'utf8'),
    );
    expect(result.outputs!.registered).toEqual([
      `gs://results/${prefix}registered/a_reference.tif`,
      `gs://results/${prefix}registered/b_moving.tif`,
    ]);
    const moved = await decodeChannels((await blobs.get(`${prefix}registered/b_moving.tif`))!);
    const local = await decodeChannels(readFileSync(join(summary.out, 'registered', 'b_moving.tif')));
    expect(moved.names).toEqual(['Hoechst', 'ER', 'Mito']);
    moved.channels.forEach((c, k) => expect(c.data).toEqual(local.channels[k]!.data));
    expect(await blobs.head(`${prefix}registered.ome.zarr/zarr.json`)).toBeDefined();
    expect(new TextDecoder().decode(await blobs.get(`${prefix}report.html`))).toContain('0.0515 µm');
  });

  it('is idempotent: a second delivery finds every object and rewrites none', async () => {
    const prefix = `outputs/${summary.datasetId}/v1/r1/`;
    const keys = ['shifts.json', 'report.html', 'registered/b_moving.tif', 'average.tif'];
    const before = await Promise.all(keys.map((k) => blobs.head(prefix + k)));
    const again = await publishOutputs({ db: handle.db, blobs }, summary.datasetId!);
    expect(again.published).toBe(true);
    const after = await Promise.all(keys.map((k) => blobs.head(prefix + k)));
    expect(after.map((b) => b?.generation)).toEqual(before.map((b) => b?.generation));
    expect(before.every((b) => b !== undefined)).toBe(true);
  });
});

describe('publishOutputs of a time series (one multi-page file)', () => {
  it('writes drift.csv, drift.json and the corrected stack, the bytes of the local run', async () => {
    expect(seriesRun.series).toHaveLength(1);
    const local = seriesRun.seriesOutputs[0]!;
    expect(local.corrected).not.toBeNull();
    const store = new LocalFolderBlobStore(join(seriesRun.out, 'blobs'), { bucket: 'results' });
    const result = await publishOutputs({ db: seriesHandle.db, blobs: store }, seriesRun.datasetId!);
    const prefix = `outputs/${seriesRun.datasetId}/v1/r1/`;
    expect(result).toMatchObject({ published: true, prefix });
    expect(result.series).toEqual([
      {
        file: 'migration.tif',
        driftCsv: `gs://results/${prefix}drift.csv`,
        driftJson: `gs://results/${prefix}drift.json`,
        corrected: `gs://results/${prefix}migration_corrected.tif`,
        qualityCsv: `gs://results/${prefix}quality.csv`,
        qualityJson: `gs://results/${prefix}quality.json`,
      },
    ]);
    for (const [name, path] of [
      ['drift.csv', local.driftCsv],
      ['drift.json', local.driftJson],
      ['migration_corrected.tif', local.corrected!],
      ['quality.csv', local.quality!.csv],
    ] as const)
      expect(Buffer.from((await store.get(`${prefix}${name}`))!).equals(readFileSync(path)), name).toBe(true);
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(`${prefix}outputs.json`))) as {
      series: { driftJson: string }[];
    };
    expect(manifest.series.map((s) => s.driftJson)).toEqual([`gs://results/${prefix}drift.json`]);
    // The report plots the trajectory, as the local one does.
    const report = new TextDecoder().decode(await store.get(`${prefix}report.html`));
    expect(report).toContain('<h2>Series drift</h2>');
    expect(report).toContain('<h3>migration.tif: 5 frames');
    expect(report).toContain('<h2>Registration quality through the stack</h2>');
    expect(report).toContain('id="plot-stack-similarity-0"');
  });
});
