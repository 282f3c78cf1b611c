/**
 * Opens the database chosen by a DatabaseConfig as a Kysely instance.
 *
 * `openDatabase` keeps one small pool per configuration per process (Cloud Functions: create it
 * once per instance, reuse it across invocations); `connectDatabase` always opens a new one
 * (tests, tools). MySQL uses a mysql2 pool (`poolSize` connections); Cloud SQL goes through
 * `@google-cloud/cloud-sql-connector` with IAM database authentication (no password) and the
 * configured IP type; SQLite uses one better-sqlite3 connection (see sqlite-connection.ts). Every
 * driver error reaches callers classified (classifying-dialect.ts).
 */
import { CompiledQuery, Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import type { PoolOptions } from 'mysql2';
import type { Database } from '../records/database-schema.js';
import { databaseConfigKey, type DatabaseConfig } from './database-config.js';
import { openSqlite, type SqliteOptions } from './sqlite-connection.js';
import { toDatabaseError } from '../records/database-error.js';
import { classifyingDialect } from './classifying-dialect.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: 'mysql' | 'sqlite';
  config: DatabaseConfig;
  /** Closes the pool (idempotent) and forgets it in the per-process cache. */
  close(): Promise<void>;
}

/** `readOnly`: SQLite opened read-only; MySQL sessions `SET SESSION TRANSACTION READ ONLY`. */
export type OpenDatabaseOptions = SqliteOptions;

const cache = new Map<string, Promise<DatabaseHandle>>();

/** The process-wide handle for `config`, opened on first use. */
export function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<DatabaseHandle> {
  const key = databaseConfigKey(config);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const opening = connectDatabase(config, options).then(
    (handle) => ({
      ...handle,
      close: async () => {
        if (cache.get(key) === opening) cache.delete(key);
        await handle.close();
      },
    }),
    (error: unknown) => {
      cache.delete(key);
      throw error;
    },
  );
  cache.set(key, opening);
  return opening;
}

/** Closes every handle opened by openDatabase (end of a CLI run or a test file). */
export async function closeAllDatabases(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  const handles = await Promise.allSettled(all);
  for (const h of handles) if (h.status === 'fulfilled') await h.value.close();
}

/** A new, uncached handle for `config`. */
export async function connectDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<DatabaseHandle> {
  if (config.kind === 'sqlite') {
    const raw = openSqlite(config.path, options);
    const db = new Kysely<Database>({ dialect: classifyingDialect(new SqliteDialect({ database: raw })) });
    return { db, dialect: 'sqlite', config, close: once(() => db.destroy()) };
  }
  // Loaded only when used: mysql2 costs about 70 ms to load, paid by every worker of a local run.
  const { createPool } = await import('mysql2');
  const common: PoolOptions = {
    connectionLimit: config.poolSize,
    maxIdle: config.poolSize,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    timezone: 'Z',
    supportBigNumbers: true,
  };
  // A read-only session refuses every write, whatever the user's grants.
  const onCreateConnection = options.readOnly
    ? async (c: { executeQuery(q: CompiledQuery): Promise<unknown> }) => {
        await c.executeQuery(CompiledQuery.raw('SET SESSION TRANSACTION READ ONLY'));
      }
    : undefined;
  if (config.kind === 'mysql') {
    const pool = createPool({ ...common, uri: config.url });
    const db = new Kysely<Database>({
      dialect: classifyingDialect(
        new MysqlDialect({ pool, ...(onCreateConnection ? { onCreateConnection } : {}) }),
      ),
    });
    return { db, dialect: 'mysql', config, close: once(() => db.destroy()) };
  }
  // Loaded only when used: it pulls in google-auth-library.
  const { Connector, IpAddressTypes, AuthTypes } = await import('@google-cloud/cloud-sql-connector');
  const connector = new Connector();
  let streamOptions;
  try {
    streamOptions = await connector.getOptions({
      instanceConnectionName: config.instanceConnectionName,
      ipType: IpAddressTypes[config.ipType],
      authType: AuthTypes.IAM,
    });
  } catch (error) {
    connector.close();
    throw toDatabaseError(error, `connect to Cloud SQL ${config.instanceConnectionName}`);
  }
  const pool = createPool({ ...common, ...streamOptions, user: config.user, database: config.database });
  const db = new Kysely<Database>({
    dialect: classifyingDialect(
      new MysqlDialect({ pool, ...(onCreateConnection ? { onCreateConnection } : {}) }),
    ),
  });
  return {
    db,
    dialect: 'mysql',
    config,
    close: once(async () => {
      await db.destroy();
      connector.close();
    }),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
