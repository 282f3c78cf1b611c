/**
 * `metdb serve --db URL` without a run's output folder (issue 17): the thumbnails come from the
 * results bucket (`--bucket`, GCS: here the JSON API test double, a MOCK of Cloud Storage), or
 * from the `blobs/` folder beside a SQLite file; without either the pages say so and the
 * thumbnails answer 404. The real CLI process, read over HTTP, the PNGs decoded by sharp.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Storage } from '@google-cloud/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import type { ImageStatus } from '../../local/serve/status-records.js';
import { startGcsDouble, type GcsDouble } from '../support/gcs-double.js';
import { SERIES } from '../local/demo-series-copy.js';

const root = new URL('../../', import.meta.url).pathname;
const BUCKET = 'results-serve';
let parent: string;
let run: RunSummary;
let gcs: GcsDouble;
const children: ChildProcess[] = [];

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-serve-db-'));
  const folder = join(parent, 'plate');
  mkdirSync(folder);
  for (const frame of ['frame_00.tif', 'frame_03.tif'])
    copyFileSync(join(SERIES, frame), join(folder, frame));
  run = await runFolder(folder, { workers: 1, out: join(parent, 'out') });
  // The canonical images in the "results bucket", as the cloud's ingest writes them.
  gcs = await startGcsDouble();
  const bucket = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'metdb-test' }).bucket(BUCKET);
  const blobs = join(run.out, 'blobs');
  for (const entry of readdirSync(blobs, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    await bucket.file(relative(blobs, path)).save(readFileSync(path), { resumable: false });
  }
  // The records alone, away from the run's folder.
  mkdirSync(join(parent, 'records'));
  copyFileSync(join(run.out, 'metdb.sqlite'), join(parent, 'records', 'metdb.sqlite'));
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGINT');
  await gcs?.stop();
  rmSync(parent, { recursive: true, force: true });
});

/** Starts `metdb serve ARGS --port 0` and returns its URL and the lines it printed. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; lines: string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'cli/main.ts'), 'serve', ...args, '--port', '0'],
    {
      cwd: root,
      env: { ...process.env, METDB_RESULTS_BUCKET: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      const url = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
      const lines = stdout.split('\n').filter(Boolean);
      if (url !== undefined && lines.length >= 2) resolve({ url, lines });
    });
    child.once('exit', (code) => reject(new Error(`metdb serve exited (${code}): ${stderr}`)));
  });
}

async function thumbnailOf(url: string, view: string): Promise<{ status: number; png?: Buffer }> {
  const images = ((await (await fetch(`${url}/api/images`)).json()) as { images: ImageStatus[] }).images;
  expect(images.map((i) => [i.file, i.role])).toEqual([
    ['frame_00.tif', 'reference'],
    ['frame_03.tif', 'registered'],
  ]);
  const res = await fetch(`${url}${images[1]!.thumbnail}?view=${view}`);
  return res.status === 200
    ? { status: 200, png: Buffer.from(await res.arrayBuffer()) }
    : { status: res.status };
}

/** The thumbnail of a 647 x 347 frame (blocks of 6 px), with content (not one flat grey). */
async function expectThumbnail(png: Buffer | undefined): Promise<void> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([108, 58, 3]);
  expect(Math.max(...data) - Math.min(...data)).toBeGreaterThan(50);
}

describe('metdb serve --db without OUT: thumbnails', () => {
  it('reads the images from the results bucket (--bucket, GCS)', async () => {
    const { url, lines } = await serve(
      ['--db', join(parent, 'records', 'metdb.sqlite'), '--bucket', BUCKET],
      {
        METDB_GCS_API_ENDPOINT: gcs.endpoint,
        GOOGLE_CLOUD_PROJECT: 'metdb-test',
      },
    );
    expect(lines[1]).toBe(`thumbnails: from gs://${BUCKET}`);
    const overlay = await thumbnailOf(url, 'overlay');
    expect(overlay.status).toBe(200);
    await expectThumbnail(overlay.png);
    // Both images read from the bucket (the moving image, and the reference for the overlay).
    const reads = gcs.requests.filter((r) =>
      new RegExp(`^GET /storage/v1/b/${BUCKET}/o/datasets%2F[^?]+\\.tif\\?alt=media$`).test(r),
    );
    expect(new Set(reads).size).toBe(2);
    const page = await (await fetch(`${url}/datasets/${run.datasetId}`)).text();
    expect(page).toContain(`/thumbnails/`);
  }, 120_000);

  it('reads them from the blobs/ folder beside a SQLite file', async () => {
    const { url, lines } = await serve(['--db', join(run.out, 'metdb.sqlite')]);
    expect(lines[1]).toBe(`thumbnails: from ${join(run.out, 'blobs')}`);
    await expectThumbnail((await thumbnailOf(url, 'after')).png);
  }, 120_000);

  it('says there are none, and answers 404, with neither', async () => {
    const { url, lines } = await serve(['--db', join(parent, 'records', 'metdb.sqlite')]);
    expect(lines[1]).toBe('thumbnails: none (no images: give OUT, or --bucket with the results bucket)');
    expect((await thumbnailOf(url, 'after')).status).toBe(404);
  }, 120_000);
});
