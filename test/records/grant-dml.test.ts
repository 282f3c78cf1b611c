/** The migrator grants the functions DML only; a function that may not migrate waits for it (issue 20). */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../shared/adapters/open-database.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { dmlGrantStatement, grantDml } from '../../shared/records/grant-dml.js';
import { assertMigrated, migrateToLatest } from '../../shared/records/migrate.js';
import { createMysqlTestDatabase, createSqliteTestDatabase, type TestDatabase } from './test-databases.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('database privileges', () => {
  it('grants a function user SELECT, INSERT, UPDATE, DELETE and no DDL (MariaDB)', async () => {
    const target: TestDatabase = await createMysqlTestDatabase(1);
    cleanups.push(() => target.drop());
    const handle = await connectDatabase(target.config);
    cleanups.push(() => handle.close());
    const database = new URL((target.config as { url: string }).url).pathname.slice(1);
    const user = `metdb-fn-${randomBytes(4).toString('hex')}@proj.iam`;
    await sql.raw(`CREATE USER '${user}'@'%'`).execute(handle.db);
    cleanups.push(async () => void (await sql.raw(`DROP USER IF EXISTS '${user}'@'%'`).execute(handle.db)));
    await grantDml(handle.db, database, [user]);
    await grantDml(handle.db, database, [user]); // idempotent
    const grants = await sql.raw<Record<string, string>>(`SHOW GRANTS FOR '${user}'@'%'`).execute(handle.db);
    const text = grants.rows.map((r) => Object.values(r)[0]).join('\n');
    expect(text).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON `metdb_test_[0-9a-f]+`\.\*/);
    expect(text).not.toMatch(/CREATE|ALTER|DROP|INDEX|ALL PRIVILEGES/);
  });

  it('refuses names it would splice into SQL unchecked', () => {
    expect(() => dmlGrantStatement('metdb', ["x'@'%'; DROP DATABASE metdb; --"])).toThrow(/not a valid name/);
    expect(() => dmlGrantStatement('metdb`; --', ['a@b.iam'])).toThrow(/not a valid name/);
  });

  it('a process that may not migrate fails transiently until the schema is current', async () => {
    const target = createSqliteTestDatabase();
    cleanups.push(() => target.drop());
    const handle = await connectDatabase(target.config);
    cleanups.push(() => handle.close());
    const error: unknown = await assertMigrated(handle.db).catch((e: unknown) => e);
    expect(isMetdbError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/0001_initial/);
    await migrateToLatest(handle.db);
    await expect(assertMigrated(handle.db)).resolves.toBeUndefined();
  });
});
