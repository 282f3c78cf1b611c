import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateDown, migrateTo, migrateToLatest, migrationStatus } from '../../shared/records/migrate.js';
import { migrations } from '../../migrations/index.js';
import { DIALECTS, type TestDatabase } from './test-databases.js';

const TABLES = [
  'datasets',
  'dead_letters',
  'images',
  'jobs',
  'mosaic_items',
  'mosaic_tiles',
  'mosaics',
  'processed_events',
  'registrations',
  'section_matrices',
  'series',
  'series_frames',
  'tile_results',
];
const names = Object.keys(migrations);

async function userTables(handle: DatabaseHandle): Promise<string[]> {
  const tables = await handle.db.introspection.getTables();
  return tables
    .map((t) => t.name)
    .filter((n) => !n.startsWith('kysely_'))
    .sort();
}

describe.each(DIALECTS)('migrations on $name', ({ create }) => {
  let target: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    await target?.drop();
  });

  it('names sort in apply order', () => {
    expect(names).toEqual([...names].sort());
    expect(names.length).toBeGreaterThan(0);
  });

  it('applies every migration up one by one, then down one by one, then up again', async () => {
    target = await create();
    handle = await connectDatabase(target.config);
    const { db } = handle;
    for (const name of names) {
      const { executed } = await migrateTo(db, name);
      expect(executed).toEqual([name]);
    }
    expect(await userTables(handle)).toEqual(TABLES);
    expect((await migrationStatus(db)).every((m) => m.executedAt !== undefined)).toBe(true);
    expect((await migrateToLatest(db)).executed).toEqual([]);

    for (const name of [...names].reverse()) {
      const { executed } = await migrateDown(db);
      expect(executed).toEqual([name]);
    }
    expect(await userTables(handle)).toEqual([]);
    expect((await migrateDown(db)).executed).toEqual([]);

    expect((await migrateToLatest(db)).executed).toEqual(names);
    expect(await userTables(handle)).toEqual(TABLES);
    expect((await migrateDown(db, { steps: 'all' })).executed).toEqual([...names].reverse());
    expect(await userTables(handle)).toEqual([]);
  });

  it('creates the documented columns and keys', async () => {
    target = await create();
    handle = await connectDatabase(target.config);
    await migrateToLatest(handle.db);
    const tables = await handle.db.introspection.getTables();
    const columns = (t: string) =>
      tables
        .find((x) => x.name === t)!
        .columns.map((c) => c.name)
        .sort();
    expect(columns('tile_results')).toEqual(
      [
        'job_id',
        'tile_index',
        'region',
        'shift_z',
        'shift_y',
        'shift_x',
        'peak',
        'error',
        'weight',
        'skipped',
        'skip_reason',
        'duration_ms',
        'created_at',
        'quality',
      ].sort(),
    );
    expect(columns('registrations')).toEqual(
      expect.arrayContaining(['quality', 'quality_reasons', 'ncc_chance', 'ncc_after', 'tiles_used']),
    );
    const nullable = (t: string, c: string) =>
      tables.find((x) => x.name === t)!.columns.find((x) => x.name === c)!.isNullable;
    expect(nullable('tile_results', 'shift_z')).toBe(true);
    expect(nullable('jobs', 'parameters')).toBe(false);
    expect(nullable('images', 'content_hash')).toBe(true);
  });

  it('reports a failing migration by name and keeps the earlier ones', async () => {
    target = await create();
    handle = await connectDatabase(target.config);
    const broken = {
      ...migrations,
      '9999_broken': { up: () => Promise.reject(new Error('boom')) },
    };
    await expect(migrateToLatest(handle.db, { migrations: broken })).rejects.toMatchObject({
      code: 'migration-failed',
      details: { migration: '9999_broken' },
    });
    expect(await userTables(handle)).toEqual(TABLES);
  });
});
