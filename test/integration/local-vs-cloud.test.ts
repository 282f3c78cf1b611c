/**
 * The local runner and the cloud pipeline agree: the fixture series with the same `metdb.json` goes
 * (1) through the cloud stack (the Pub/Sub emulator pushing to ingest, registerTile and aggregate
 * served by functions-framework from dist/, MariaDB, the GCS JSON API double as the bucket) and
 * (2) through `runFolder` (a folder, a worker-thread pool, SQLite). Both must record the same
 * images, reference, jobs, tile results, registrations and skipped tiles. IDs and timestamps differ
 * by design: rows are matched by file name and tile index. A second, small dataset (two frames of
 * the series with their top half made flat, same settings) has tiles that both sides must skip.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type RunSummary } from '../../local/run-folder.js';
import { collectImageResults } from '../../shared/outputs/collect-image-results.js';
import { SETTINGS_FILE } from '../../shared/pipeline/dataset-settings.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import {
  datasetSnapshot,
  differences,
  largestNumericDifference,
  resultWithoutIds,
  withFlatBand,
  type DatasetSnapshot,
} from './local-vs-cloud-support.js';
import { until } from './pipeline-harness.js';

const run = randomUUID().slice(0, 8);
const BUCKET = `lvc-${run}`;
const topics = {
  uploads: `lvc-uploads-${run}`,
  tiles: `lvc-tiles-${run}`,
  aggregate: `lvc-aggregate-${run}`,
};
const SERIES = 'test/fixtures/series';
const FRAMES = ['frame_00.tif', 'frame_01.tif', 'frame_02.tif', 'frame_03.tif', 'frame_04.tif'];
/** The settings of pipeline.test.ts. */
const SETTINGS = { reference: 'frame_00.tif', tileSize: 128, tileOverlap: 0.25, upsampleFactor: 100 };
/** Same code, same inputs, same float64 arithmetic: only storage round trips could differ. */
const TOLERANCE = 1e-9;
/** Rows 0..127 flat: the first row of 3 tiles (128 px, starts 0, 64, 128 per axis) has no signal. */
const FLAT_ROWS = 128;

/** One dataset run on both sides: its name (bucket folder, local folder name) and its files. */
interface Case {
  readonly dataset: string;
  readonly files: Map<string, Uint8Array>;
  cloud?: DatasetSnapshot;
  local?: DatasetSnapshot;
  summary?: RunSummary;
  cloudResults?: Record<string, unknown>[];
}
const series: Case = { dataset: `series-${run}`, files: new Map() };
const flat: Case = { dataset: `flat-${run}`, files: new Map() };
const cases = [series, flat];

let stack: CloudTestStack;
let handle: DatabaseHandle;
let storage: Storage;
let scratch: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  let t = Date.now();
  for (const frame of FRAMES) series.files.set(frame, readFileSync(join(SERIES, frame)));
  for (const frame of FRAMES.slice(0, 2))
    flat.files.set(frame, await withFlatBand(join(SERIES, frame), FLAT_ROWS));
  stack = await startCloudTestStack({
    functions: ['ingest', 'registerTile', 'aggregate'],
    push: [
      { topic: topics.uploads, target: 'ingest' },
      { topic: topics.tiles, target: 'registerTile' },
      { topic: topics.aggregate, target: 'aggregate' },
    ],
    env: {
      METDB_RESULTS_BUCKET: BUCKET,
      METDB_TILES_TOPIC: topics.tiles,
      METDB_AGGREGATE_TOPIC: topics.aggregate,
      METDB_REPROCESS_TOPIC: `lvc-reprocess-${run}`,
      METDB_LOG_LEVEL: 'warn',
    },
    announce: { bucket: BUCKET, topic: topics.uploads },
  });
  ({ handle, storage } = stack);
  scratch = mkdtempSync(join(tmpdir(), 'metdb-local-vs-cloud-'));
  timings.setupMs = Date.now() - t;

  t = Date.now();
  await Promise.all([runLocally(), runInTheCloud()]);
  timings.runsMs = Date.now() - t;
  for (const c of cases) {
    c.cloud = await datasetSnapshot(handle.db, c.dataset);
    const dataset = await getDatasetByName(handle.db, c.dataset);
    c.cloudResults = (await collectImageResults(handle.db, dataset!.id)).map((r) =>
      resultWithoutIds(r, c.dataset),
    );
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  console.log(`local-vs-cloud timings (ms): ${JSON.stringify(timings)}`);
}, 60_000);

/** Each case's files and settings in `<scratch>/<dataset>/`, run with two workers into `<scratch>/<dataset>-out`. */
async function runLocally(): Promise<void> {
  const t = Date.now();
  for (const c of cases) {
    const folder = join(scratch, c.dataset);
    mkdirSync(folder);
    for (const [name, bytes] of c.files) writeFileSync(join(folder, name), bytes);
    writeFileSync(join(folder, SETTINGS_FILE), JSON.stringify(SETTINGS));
    const out = join(scratch, `${c.dataset}-out`);
    c.summary = await runFolder(folder, { out, workers: 2, average: false, registeredImages: false });
    const sqlite = await connectDatabase({ kind: 'sqlite', path: join(out, 'metdb.sqlite') });
    try {
      c.local = await datasetSnapshot(sqlite.db, c.dataset);
    } finally {
      await sqlite.close();
    }
  }
  timings.localMs = Date.now() - t;
}

/** Uploads each case's settings, then its files, to the bucket double; waits until every job settled. */
async function runInTheCloud(): Promise<void> {
  const t = Date.now();
  const bucket = storage.bucket(BUCKET);
  for (const c of cases) {
    await bucket
      .file(`${c.dataset}/${SETTINGS_FILE}`)
      .save(Buffer.from(JSON.stringify(SETTINGS)), { resumable: false, contentType: 'application/json' });
    for (const [name, bytes] of c.files)
      await bucket
        .file(`${c.dataset}/${name}`)
        .save(Buffer.from(bytes), { resumable: false, contentType: 'image/tiff' });
  }
  const expectedJobs = cases.reduce((n, c) => n + c.files.size - 1, 0);
  await until('every cloud job settled', 90_000, async () => {
    const jobs = await handle.db.selectFrom('jobs').select('state').execute();
    return jobs.length === expectedJobs && jobs.every((j) => j.state === 'done' || j.state === 'failed')
      ? true
      : undefined;
  });
  timings.cloudMs = Date.now() - t;
}

/** The per-file part `pick` of each job, for both sides of a case. */
function sides<T>(
  c: Case,
  pick: (job: Record<string, unknown>) => T,
): [Record<string, T>, Record<string, T>] {
  const of = (s: DatasetSnapshot | undefined) =>
    Object.fromEntries(Object.entries(s!.jobs).map(([file, job]) => [file, pick(job)]));
  return [of(c.cloud), of(c.local)];
}

/** `file#tile: reason` for every skipped tile of a snapshot. */
function skippedTiles(s: DatasetSnapshot): string[] {
  return Object.entries(s.jobs).flatMap(([file, job]) =>
    Object.entries(job.tiles as Record<string, { skipped: boolean; skipReason: string | null }>)
      .filter(([, t]) => t.skipped)
      .map(([index, t]) => `${file}#${index}: ${t.skipReason}`),
  );
}

describe('the local runner and the cloud pipeline on the same inputs and metdb.json', () => {
  it('both registered every frame onto the settings reference', () => {
    for (const c of cases) {
      expect(c.summary!.dataset).toBe(c.dataset);
      expect(c.summary!.deadLetters).toEqual([]);
      expect(c.summary!.failed).toBe(0);
      const files = [...c.files.keys()];
      for (const side of [c.cloud!, c.local!]) {
        expect(Object.keys(side.images).sort()).toEqual(files);
        expect(side.reference).toBe('frame_00.tif');
        // metdb.json is read at planning time: it shows in every job's parameters.
        expect(side.settings).toBeNull();
        expect(Object.keys(side.jobs).sort()).toEqual(files.slice(1));
        for (const job of Object.values(side.jobs)) {
          expect(job.state).toBe('done');
          expect(job.tilesTotal).toBe(9); // 256 px in tiles of 128 px with 25 % overlap: 3 x 3
          expect(job.parameters).toMatchObject({ tileSize: 128, tileOverlap: 0.25, upsampleFactor: 100 });
        }
      }
    }
  });

  it('records the same images and jobs (parameters, request keys, states, tile counts)', () => {
    for (const c of cases) {
      expect(differences(c.cloud!.images, c.local!.images, 0)).toEqual([]);
      expect(Object.values(c.cloud!.images).every((i) => i.canonicalPath === true)).toBe(true);
      const [cloudJobs, localJobs] = sides(c, ({ tiles: _t, registration: _r, ...job }) => job);
      expect(differences(cloudJobs, localJobs, 0)).toEqual([]);
    }
  });

  it('records the same tile results per file and tile index within 1e-9 px', () => {
    for (const c of cases) {
      const [cloudTiles, localTiles] = sides(c, (job) => job.tiles);
      timings[`${c === series ? 'series' : 'flat'}TileDifferenceMax`] = largestNumericDifference(
        cloudTiles,
        localTiles,
      );
      expect(differences(cloudTiles, localTiles, TOLERANCE)).toEqual([]);
    }
  });

  it('skips the same tiles: none in the series, the flat band in the flat pair', () => {
    expect(skippedTiles(series.cloud!)).toEqual([]);
    expect(skippedTiles(series.local!)).toEqual([]);
    const skipped = skippedTiles(flat.cloud!);
    expect(skipped.map((s) => s.slice(0, s.indexOf(':')))).toEqual([
      'frame_01.tif#0',
      'frame_01.tif#1',
      'frame_01.tif#2',
    ]);
    expect(skippedTiles(flat.local!)).toEqual(skipped);
  });

  it('solves the same shifts and quality figures within 1e-9', () => {
    for (const c of cases) {
      const [cloudRegistrations, localRegistrations] = sides(c, (job) => job.registration);
      timings[`${c === series ? 'series' : 'flat'}RegistrationDifferenceMax`] = largestNumericDifference(
        cloudRegistrations,
        localRegistrations,
      );
      expect(differences(cloudRegistrations, localRegistrations, TOLERANCE)).toEqual([]);
      // What shifts.csv, shifts.json and the report show, read from each side's records.
      const localResults = c.summary!.results.map((r) => resultWithoutIds(r, c.dataset));
      expect(differences(c.cloudResults, localResults, TOLERANCE)).toEqual([]);
    }
  });
});
