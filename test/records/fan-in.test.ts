/**
 * The exactly-once fan-in under concurrent duplicate deliveries, against the real MariaDB (a pool
 * of several connections) and SQLite (several connections to one file): 20 tiles, each delivered
 * 3 times, shuffled, all at once, one by one or in batches (a local worker records its tiles in
 * one transaction per batch). Exactly one delivery may report completedJob.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { createJobVersion, getJob, startJob } from '../../shared/records/jobs-repository.js';
import {
  recordTileResult,
  recordTileResults,
  type RecordTileOutcome,
} from '../../shared/records/record-tile-result.js';
import { listTileResults } from '../../shared/records/tile-results-repository.js';
import type { Database } from '../../shared/records/database-schema.js';
import { createMysqlTestDatabase, createSqliteTestDatabase, type TestDatabase } from './test-databases.js';
import { datasetWithPair, deliveries } from './fixtures.js';

const TILES = 20;
const COPIES = 3;

async function runningJob(db: Kysely<Database>): Promise<string> {
  await migrateToLatest(db);
  const { dataset, reference, moving } = await datasetWithPair(
    db,
    `fan-in-${Math.random().toString(36).slice(2)}`,
  );
  const { job } = await createJobVersion(db, {
    dataset_id: dataset.id,
    reference_image_id: reference.id,
    moving_image_id: moving.id,
    parameters: { tileSize: [64, 64] },
  });
  expect(await startJob(db, job.id, TILES)).toEqual({ started: true, completedJob: false });
  return job.id;
}

async function expectExactlyOnce(
  db: Kysely<Database>,
  jobId: string,
  outcomes: RecordTileOutcome[],
): Promise<void> {
  expect(outcomes).toHaveLength(TILES * COPIES);
  expect(outcomes.filter((o) => o.completedJob)).toHaveLength(1);
  expect(outcomes.filter((o) => o.inserted)).toHaveLength(TILES);
  expect(await getJob(db, jobId)).toMatchObject({
    state: 'aggregating',
    tiles_done: TILES,
    tiles_total: TILES,
  });
  expect((await listTileResults(db, jobId)).map((t) => t.tile_index)).toEqual(
    Array.from({ length: TILES }, (_, i) => i),
  );
}

describe('recordTileResult fan-in under concurrency', () => {
  const opened: DatabaseHandle[] = [];
  let target: TestDatabase | undefined;
  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close();
    await target?.drop();
    target = undefined;
  });

  it.each([1, 2, 3])('MariaDB, pool of 8 connections, 60 concurrent deliveries (seed %i)', async (seed) => {
    target = await createMysqlTestDatabase(8);
    const handle = await connectDatabase(target.config);
    opened.push(handle);
    const jobId = await runningJob(handle.db);
    const outcomes = await Promise.all(deliveries(jobId, seed).map((d) => recordTileResult(handle.db, d)));
    await expectExactlyOnce(handle.db, jobId, outcomes);
  });

  it.each([1, 2, 3])(
    'SQLite, 4 connections to one file, 60 concurrent deliveries (seed %i)',
    async (seed) => {
      target = createSqliteTestDatabase();
      for (let i = 0; i < 4; i++) opened.push(await connectDatabase(target.config));
      const jobId = await runningJob(opened[0]!.db);
      const outcomes = await Promise.all(
        deliveries(jobId, seed).map((d, k) => recordTileResult(opened[k % opened.length]!.db, d)),
      );
      await expectExactlyOnce(opened[1]!.db, jobId, outcomes);
    },
  );

  /** The deliveries cut into batches of 1 to 7 (by seed), each batch recorded in one call. */
  function batches<T>(all: T[], seed: number): T[][] {
    const out: T[][] = [];
    for (let i = 0, k = 0; i < all.length; k++) {
      const n = 1 + ((seed * 7 + k * 3) % 7);
      out.push(all.slice(i, i + n));
      i += n;
    }
    return out;
  }

  it.each([1, 2])(
    'MariaDB, pool of 8 connections, 60 deliveries in concurrent batches (seed %i)',
    async (seed) => {
      target = await createMysqlTestDatabase(8);
      const handle = await connectDatabase(target.config);
      opened.push(handle);
      const jobId = await runningJob(handle.db);
      const outcomes = (
        await Promise.all(batches(deliveries(jobId, seed), seed).map((b) => recordTileResults(handle.db, b)))
      ).flat();
      await expectExactlyOnce(handle.db, jobId, outcomes);
    },
  );

  it.each([1, 2])('SQLite, 4 connections, 60 deliveries in concurrent batches (seed %i)', async (seed) => {
    target = createSqliteTestDatabase();
    for (let i = 0; i < 4; i++) opened.push(await connectDatabase(target.config));
    const jobId = await runningJob(opened[0]!.db);
    const outcomes = (
      await Promise.all(
        batches(deliveries(jobId, seed), seed).map((b, k) =>
          recordTileResults(opened[k % opened.length]!.db, b),
        ),
      )
    ).flat();
    await expectExactlyOnce(opened[1]!.db, jobId, outcomes);
  });

  it('SQLite: a batch with a row of a missing job records nothing', async () => {
    target = createSqliteTestDatabase();
    const handle = await connectDatabase(target.config);
    opened.push(handle);
    const jobId = await runningJob(handle.db);
    const [first, second] = deliveries(jobId, 1);
    const missing = { ...second!, job_id: '01900000-0000-7000-8000-000000000000' };
    await expect(recordTileResults(handle.db, [first!, missing])).rejects.toThrow(/no job/);
    expect(await listTileResults(handle.db, jobId)).toEqual([]);
    expect(await getJob(handle.db, jobId)).toMatchObject({ tiles_done: 0, state: 'running' });
  });
});
