import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder } from '../../local/run-folder.js';
import { startStatusServer, type StatusServer } from '../../local/serve/status-server.js';
import type { ImageStatus, JobStatus, DatasetStatus } from '../../local/serve/status-records.js';
import { LocalFolderBlobStore } from '../../shared/adapters/local-folder-blob-store.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import type { DatabaseConfig } from '../../shared/adapters/database-config.js';
import { updateDataset } from '../../shared/records/datasets-repository.js';
import { SERIES, truth } from '../local/demo-series-copy.js';
import { createMysqlTestDatabase, type TestDatabase } from '../records/test-databases.js';

/** frame_00 is the reference; natural order puts t10 after t2. */
const FRAMES = { 't1.tif': 'frame_00.tif', 't2.tif': 'frame_02.tif', 't10.tif': 'frame_06.tif' };

let parent: string;
let folder: string;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'metdb-serve-'));
  folder = join(parent, 'plate');
  mkdirSync(folder);
  for (const [to, from] of Object.entries(FRAMES)) copyFileSync(join(SERIES, from), join(folder, to));
  copyFileSync(join(SERIES, 'frame_02.tif'), join(folder, 't2_again.tif')); // a duplicate: not an image row
});

afterAll(() => rmSync(parent, { recursive: true, force: true }));

async function get<T>(
  server: StatusServer,
  path: string,
): Promise<{ status: number; body: T; type: string }> {
  const res = await fetch(`${server.url}${path}`);
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    body: (type.startsWith('application/json') ? await res.json() : await res.text()) as T,
  };
}

/** The API over one run's records, opened read-only, on either database. */
function apiSuite(
  name: string,
  setup: () => Promise<{ config: DatabaseConfig; out: string; drop?: () => Promise<void> }>,
) {
  describe(`metdb serve's API on ${name}`, () => {
    let handle: DatabaseHandle;
    let server: StatusServer;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await setup();
      drop = made.drop;
      handle = await connectDatabase(made.config, { readOnly: true });
      server = await startStatusServer({
        db: handle.db,
        source: name,
        port: 0,
        blobs: new LocalFolderBlobStore(join(made.out, 'blobs')),
      });
    }, 180_000);

    afterAll(async () => {
      await server?.close();
      await handle?.close();
      await drop?.();
    });

    it('listens on 127.0.0.1 only', () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it('/api/datasets: the dataset with the counts of the run (the reference apart)', async () => {
      const { status, body } = await get<{ datasets: DatasetStatus[] }>(server, '/api/datasets');
      expect(status).toBe(200);
      expect(body.datasets).toHaveLength(1);
      const d = body.datasets[0]!;
      expect(d.name).toBe('plate');
      expect(d.images).toEqual({ total: 3, reference: 1, registered: 2, low: 0, failed: 0, pending: 0 });
      expect(d.jobs).toMatchObject({ done: 2, total: 2, running: 0, failed: 0 });
      expect(
        (await get<{ datasets: DatasetStatus[] }>(server, '/api/datasets?dataset=plate')).body.datasets,
      ).toHaveLength(1);
      expect(
        (await get<{ datasets: DatasetStatus[] }>(server, '/api/datasets?dataset=nope')).body.datasets,
      ).toEqual([]);
    });

    it('/api/images: natural order, status, verdict, and the known shifts', async () => {
      const { body } = await get<{ images: ImageStatus[] }>(server, '/api/images?dataset=plate');
      expect(body.images.map((i) => [i.file, i.role])).toEqual([
        ['t1.tif', 'reference'],
        ['t2.tif', 'registered'],
        ['t10.tif', 'registered'],
      ]);
      for (const image of body.images.slice(1)) {
        expect(image.quality).toBe('good');
        const source = FRAMES[image.file as keyof typeof FRAMES];
        const known = truth.frames.find((f) => f.file === source)!.shift;
        image.shift!.forEach((s, a) => expect(Math.abs(s - known[a]!)).toBeLessThan(0.05));
        expect(image.nccAfter!).toBeGreaterThan(image.nccBefore!);
      }
    });

    it('/api/jobs: each job done with all its tiles', async () => {
      const { body } = await get<{ jobs: JobStatus[] }>(server, '/api/jobs');
      expect(body.jobs.map((j) => j.file).sort()).toEqual(['t10.tif', 't2.tif']);
      for (const j of body.jobs) {
        expect(j.state).toBe('done');
        expect(j.tilesTotal).toBeGreaterThan(4);
        expect(j.tilesDone).toBe(j.tilesTotal);
        expect(j.progress).toBe(1);
      }
    });

    it('pages, the report and thumbnails answer; writes do not exist', async () => {
      const { body } = await get<{ datasets: DatasetStatus[] }>(server, '/api/datasets');
      const d = body.datasets[0]!;
      const page = await get<string>(server, d.links.page);
      expect(page.status).toBe(200);
      expect(page.body).toContain('t10.tif');
      const report = await get<string>(server, d.links.report);
      expect(report.status).toBe(200);
      expect(report.body).toMatch(/<th>registered<\/th><td>2<\/td>/);
      expect(report.body).toContain('data:image/png;base64,');
      const images = (await get<{ images: ImageStatus[] }>(server, '/api/images')).body.images;
      const res = await fetch(`${server.url}${images[2]!.thumbnail}?view=overlay`);
      expect(res.headers.get('content-type')).toBe('image/png');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([108, 58, 3]); // 647 x 347 in blocks of 6
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const r = await fetch(`${server.url}/api/images`, {
          method,
          body: method === 'DELETE' ? null : '{}',
        });
        expect(r.status, method).toBe(405);
      }
      expect((await get<string>(server, '/api/nothing')).status).toBe(404);
      expect((await get<string>(server, '/datasets/nope')).status).toBe(404);
    });

    it('holds the database read-only: a write through its handle is refused', async () => {
      const d = (await get<{ datasets: DatasetStatus[] }>(server, '/api/datasets')).body.datasets[0]!;
      await expect(updateDataset(handle.db, d.id, { settings: { upsampleFactor: 2 } })).rejects.toThrow(
        /read.?only/i,
      );
    });
  });
}

apiSuite('SQLite', async () => {
  const out = join(parent, 'out-sqlite');
  await runFolder(folder, { workers: 2, out, registeredImages: false, average: false, cwd: parent });
  return { config: { kind: 'sqlite', path: join(out, 'metdb.sqlite') }, out };
});

apiSuite('MariaDB', async () => {
  const testDb: TestDatabase = await createMysqlTestDatabase(2);
  const out = join(parent, 'out-mysql');
  const config = testDb.config as Extract<DatabaseConfig, { kind: 'mysql' }>;
  await runFolder(folder, {
    workers: 2,
    out,
    db: config.url,
    registeredImages: false,
    average: false,
    cwd: parent,
  });
  return { config, out, drop: () => testDb.drop() };
});
