import { afterEach, describe, expect, it } from 'vitest';
import { migrateCommand } from '../../cli/migrate.js';
import { migrations } from '../../migrations/index.js';
import { createMysqlTestDatabase, createSqliteTestDatabase, type TestDatabase } from './test-databases.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

const names = Object.keys(migrations);

describe('metdb migrate', () => {
  let target: TestDatabase | undefined;
  afterEach(async () => {
    await target?.drop();
    target = undefined;
  });

  it('migrates a SQLite file given by --db, reports status, and reverts with --down', async () => {
    target = createSqliteTestDatabase();
    const path = target.config.kind === 'sqlite' ? target.config.path : '';
    const up = capture();
    expect(await migrateCommand(['--db', path], up.io)).toBe(0);
    expect(up.out).toEqual([
      ...names.map((n) => `applied ${n}`),
      `SQLite ${path}: ${names.length} migration(s) applied`,
    ]);
    const again = capture();
    expect(await migrateCommand(['--db', `sqlite:${path}`], again.io)).toBe(0);
    expect(again.out[0]).toMatch(/nothing to do/);
    const status = capture();
    expect(await migrateCommand(['--db', path, '--status'], status.io)).toBe(0);
    expect(status.out).toEqual(names.map((n) => `applied  ${n}`));
    const down = capture();
    expect(await migrateCommand(['--db', path, '--down', '--steps', 'all'], down.io)).toBe(0);
    expect(down.out).toContain(`reverted ${names[0]}`);
  });

  it('migrates MariaDB from the environment', async () => {
    target = await createMysqlTestDatabase(1);
    const url = target.config.kind === 'mysql' ? target.config.url : '';
    const run = capture();
    expect(await migrateCommand([], { ...run.io, env: { METDB_DATABASE_URL: url } })).toBe(0);
    expect(run.out.at(-1)).toMatch(
      /^MySQL mysql:\/\/root@127\.0\.0\.1:3306\/metdb_test_\w+: \d+ migration\(s\) applied$/,
    );
  });

  it('exits 2 on bad usage and 1 when the database is unreachable', async () => {
    const bad = capture();
    expect(await migrateCommand(['--steps', '0', '--down'], bad.io)).toBe(2);
    expect(bad.err[0]).toMatch(/--steps/);
    expect(await migrateCommand(['--db', 'postgres://x/y'], capture().io)).toBe(2);
    expect(await migrateCommand(['extra'], capture().io)).toBe(2);
    const down = capture();
    expect(await migrateCommand(['--db', 'mysql://root:pw@127.0.0.1:1/none'], down.io)).toBe(1);
    expect(down.err[0]).toMatch(/unavailable/);
    expect(down.err[0]).not.toMatch(/pw/);
  });
});
