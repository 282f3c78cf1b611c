/**
 * Throwaway databases for the records tests: a fresh MariaDB/MySQL database per call (created
 * on the server named by METDB_TEST_MYSQL_URL, dropped by `drop`), or a SQLite file in a fresh
 * temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import type { DatabaseConfig } from '../../shared/adapters/database-config.js';

export const TEST_MYSQL_URL = process.env.METDB_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export async function createMysqlTestDatabase(poolSize = 4): Promise<TestDatabase> {
  const name = `metdb_test_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection({ uri: TEST_MYSQL_URL });
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'mysql', url: url.toString(), poolSize },
    drop: async () => {
      const c = await createConnection({ uri: TEST_MYSQL_URL });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export function createSqliteTestDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-records-'));
  return {
    config: { kind: 'sqlite', path: join(dir, 'nested', 'metdb.sqlite') },
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export const DIALECTS = [
  { name: 'MariaDB', create: (poolSize?: number) => createMysqlTestDatabase(poolSize) },
  { name: 'SQLite', create: () => Promise.resolve(createSqliteTestDatabase()) },
] as const;
