/**
 * The mosaics' exactly-once fan-in (migration 0007) under concurrent duplicate deliveries, against
 * the real MariaDB and SQLite: 20 items, each delivered 3 times, shuffled, all at once. Exactly one
 * delivery may report completedMosaic; the solve's result is stored once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import {
  createMosaic,
  finishMosaic,
  getMosaic,
  listMosaicItems,
  recordMosaicItem,
  type NewMosaicItem,
} from '../../shared/records/mosaics-repository.js';
import type { Database } from '../../shared/records/database-schema.js';
import { createMysqlTestDatabase, createSqliteTestDatabase, type TestDatabase } from './test-databases.js';
import { datasetWithPair, shuffled } from './fixtures.js';

const ITEMS = 20;

async function runningMosaic(db: Kysely<Database>): Promise<string> {
  await migrateToLatest(db);
  const { dataset } = await datasetWithPair(db, `mosaic-${Math.random().toString(36).slice(2)}`);
  const plan = { layout: { tiles: [{ name: 'a.tif', x: 0, y: 0 }] }, edges: 12, nulls: 8 };
  const { id, created } = await createMosaic(db, {
    dataset_id: dataset.id,
    request_key: `k-${dataset.id}`,
    plan,
    items_total: ITEMS,
  });
  expect(created).toBe(true);
  // The same request again: the same mosaic, nothing new.
  expect(
    await createMosaic(db, {
      dataset_id: dataset.id,
      request_key: `k-${dataset.id}`,
      plan,
      items_total: ITEMS,
    }),
  ).toEqual({ id, created: false, version: 1 });
  return id;
}

function kindOf(k: number): NewMosaicItem['kind'] {
  return k < 12 ? 'edge' : 'null';
}

function deliveries(mosaicId: string, seed: number): NewMosaicItem[] {
  const items = Array.from({ length: ITEMS }, (_, k) => ({
    mosaic_id: mosaicId,
    item_index: k,
    kind: kindOf(k),
    dx: k === 3 ? NaN : 230 + k / 8,
    dy: k === 3 ? NaN : -k / 16,
    ncc: k === 3 ? NaN : 0.5 + k / 50,
    runner_up: NaN,
    overlap: k === 3 ? NaN : 1000 + k,
    duration_ms: 5,
  }));
  return shuffled([...items, ...items, ...items], seed);
}

async function expectExactlyOnce(
  db: Kysely<Database>,
  id: string,
  outcomes: { inserted: boolean; completedMosaic: boolean }[],
) {
  expect(outcomes.filter((o) => o.completedMosaic)).toHaveLength(1);
  expect(outcomes.filter((o) => o.inserted)).toHaveLength(ITEMS);
  expect(await getMosaic(db, id)).toMatchObject({ state: 'solving', items_done: ITEMS, items_total: ITEMS });
  const items = await listMosaicItems(db, id);
  expect(items.map((i) => i.item_index)).toEqual(Array.from({ length: ITEMS }, (_, k) => k));
  expect(items[3]!.ncc).toBeNaN();
  expect(items[5]).toMatchObject({ kind: 'edge', dx: 230 + 5 / 8, dy: -5 / 16, ncc: 0.6, overlap: 1005 });
  expect(items[15]!.kind).toBe('null');
  // The solve's result is stored once; a redelivered solve changes nothing.
  expect(await finishMosaic(db, id, { result: { tiles: [] }, output_prefix: 'datasets/d/mosaics/m/' })).toBe(
    true,
  );
  expect(await finishMosaic(db, id, { failure_reason: 'late duplicate' })).toBe(false);
  expect(await getMosaic(db, id)).toMatchObject({
    state: 'done',
    output_prefix: 'datasets/d/mosaics/m/',
    failure_reason: null,
  });
}

describe('recordMosaicItem fan-in under concurrency', () => {
  const opened: DatabaseHandle[] = [];
  let target: TestDatabase | undefined;
  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close();
    await target?.drop();
    target = undefined;
  });

  it.each([1, 2])('MariaDB, pool of 8 connections, 60 concurrent deliveries (seed %i)', async (seed) => {
    target = await createMysqlTestDatabase(8);
    const handle = await connectDatabase(target.config);
    opened.push(handle);
    const id = await runningMosaic(handle.db);
    const outcomes = await Promise.all(deliveries(id, seed).map((d) => recordMosaicItem(handle.db, d)));
    await expectExactlyOnce(handle.db, id, outcomes);
  });

  it.each([1, 2])('SQLite, 4 connections to one file, 60 concurrent deliveries (seed %i)', async (seed) => {
    target = createSqliteTestDatabase();
    for (let i = 0; i < 4; i++) opened.push(await connectDatabase(target.config));
    const id = await runningMosaic(opened[0]!.db);
    const outcomes = await Promise.all(
      deliveries(id, seed).map((d, k) => recordMosaicItem(opened[k % opened.length]!.db, d)),
    );
    await expectExactlyOnce(opened[1]!.db, id, outcomes);
  });

  it('refuses an item of a missing mosaic or out of range', async () => {
    target = createSqliteTestDatabase();
    const handle = await connectDatabase(target.config);
    opened.push(handle);
    const id = await runningMosaic(handle.db);
    const [item] = deliveries(id, 1);
    await expect(recordMosaicItem(handle.db, { ...item!, item_index: ITEMS })).rejects.toThrow(
      /item_index: 20 is not in \[0, 20\)/,
    );
    await expect(
      recordMosaicItem(handle.db, { ...item!, mosaic_id: '01900000-0000-7000-8000-000000000000' }),
    ).rejects.toThrow(/no mosaic/);
    expect(await getMosaic(handle.db, id)).toMatchObject({ items_done: 0, state: 'running' });
  });
});
