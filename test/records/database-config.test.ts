import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  databaseConfigFromEnv,
  databaseConfigKey,
  describeDatabase,
  parseDatabaseTarget,
} from '../../shared/adapters/database-config.js';
import { closeAllDatabases, openDatabase } from '../../shared/adapters/open-database.js';
import { createSqliteTestDatabase, type TestDatabase } from './test-databases.js';

describe('databaseConfigFromEnv', () => {
  it('defaults to SQLite under .metdb', () => {
    expect(databaseConfigFromEnv({})).toEqual({ kind: 'sqlite', path: '.metdb/metdb.sqlite' });
  });

  it('reads a MySQL URL with a pool size', () => {
    expect(
      databaseConfigFromEnv({ METDB_DATABASE_URL: 'mysql://u:p@db:3306/metdb', METDB_DB_POOL_SIZE: '5' }),
    ).toEqual({
      kind: 'mysql',
      url: 'mysql://u:p@db:3306/metdb',
      poolSize: 5,
    });
    expect(databaseConfigFromEnv({ METDB_DATABASE_URL: 'mysql://u@db/metdb' })).toMatchObject({
      poolSize: 2,
    });
  });

  it('reads a SQLite path from the URL variable', () => {
    expect(databaseConfigFromEnv({ METDB_DATABASE_URL: 'sqlite:/tmp/x.db' })).toEqual({
      kind: 'sqlite',
      path: '/tmp/x.db',
    });
    expect(databaseConfigFromEnv({ METDB_DATABASE_URL: './data/m.sqlite' })).toEqual({
      kind: 'sqlite',
      path: './data/m.sqlite',
    });
  });

  it('reads a Cloud SQL instance with IAM user and IP type', () => {
    const env = {
      METDB_CLOUDSQL_INSTANCE: 'my-proj:europe-west1:metdb',
      METDB_DB_USER: 'metdb-fn@my-proj.iam',
      METDB_DB_NAME: 'metdb',
      METDB_DB_IP_TYPE: 'private',
    };
    expect(databaseConfigFromEnv(env)).toEqual({
      kind: 'cloudsql',
      instanceConnectionName: 'my-proj:europe-west1:metdb',
      user: 'metdb-fn@my-proj.iam',
      database: 'metdb',
      ipType: 'PRIVATE',
      poolSize: 2,
    });
    expect(databaseConfigFromEnv({ ...env, METDB_DB_IP_TYPE: undefined })).toMatchObject({
      ipType: 'PUBLIC',
    });
  });

  it('rejects incomplete or malformed settings with invalid-argument', () => {
    const bad = [
      { METDB_CLOUDSQL_INSTANCE: 'p:r:i', METDB_DB_NAME: 'm' },
      { METDB_CLOUDSQL_INSTANCE: 'p:r:i', METDB_DB_USER: 'u' },
      { METDB_CLOUDSQL_INSTANCE: 'no-colons', METDB_DB_USER: 'u', METDB_DB_NAME: 'm' },
      { METDB_CLOUDSQL_INSTANCE: 'p:r:i', METDB_DB_USER: 'u', METDB_DB_NAME: 'm', METDB_DB_IP_TYPE: 'VPN' },
      { METDB_DB_POOL_SIZE: '0' },
      { METDB_DATABASE_URL: 'postgres://x/y' },
      { METDB_DATABASE_URL: 'mysql://host-without-db' },
    ];
    for (const env of bad)
      expect(() => databaseConfigFromEnv(env), JSON.stringify(env)).toThrow(
        expect.objectContaining({ code: 'invalid-argument' }),
      );
  });
});

describe('parseDatabaseTarget', () => {
  it('accepts mysql and mariadb URLs, sqlite: prefixes and plain paths', () => {
    expect(parseDatabaseTarget('mariadb://root@127.0.0.1:3306/test')).toMatchObject({
      kind: 'mysql',
      url: 'mysql://root@127.0.0.1:3306/test',
    });
    expect(parseDatabaseTarget('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseDatabaseTarget('sqlite:///abs/m.db')).toEqual({ kind: 'sqlite', path: '/abs/m.db' });
    expect(parseDatabaseTarget('m.sqlite')).toEqual({ kind: 'sqlite', path: 'm.sqlite' });
  });

  it('never prints a password', () => {
    const config = parseDatabaseTarget('mysql://u:s3cret@h/db');
    expect(describeDatabase(config)).toBe('MySQL mysql://u:***@h/db');
    expect(() => parseDatabaseTarget('mysql://u:s3cret@h')).toThrow(/u:\*\*\*@h/);
  });
});

describe('openDatabase', () => {
  let target: TestDatabase | undefined;
  afterEach(async () => {
    await closeAllDatabases();
    await target?.drop();
  });

  it('opens one handle per configuration and creates the SQLite folder with WAL and foreign keys', async () => {
    target = createSqliteTestDatabase();
    const a = await openDatabase(target.config);
    const b = await openDatabase({ ...target.config });
    expect(b).toBe(a);
    expect(a.dialect).toBe('sqlite');
    expect(existsSync(target.config.kind === 'sqlite' ? target.config.path : '')).toBe(true);
    const { sql } = await import('kysely');
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(a.db);
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(a.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    await a.close();
    const c = await openDatabase(target.config);
    expect(c).not.toBe(a);
    expect(databaseConfigKey(c.config)).toBe(databaseConfigKey(a.config));
  });
});
