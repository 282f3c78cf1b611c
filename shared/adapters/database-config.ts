/**
 * The one place that decides which database a process talks to.
 *
 * Environment (first match wins):
 * - `METDB_DATABASE_URL`: `mysql://user:pass@host:port/db`, or a SQLite file path / `sqlite:path`;
 * - `METDB_CLOUDSQL_INSTANCE` (`project:region:instance`) with `METDB_DB_USER` (IAM database
 *   user, no password), `METDB_DB_NAME`, `METDB_DB_IP_TYPE` (`PUBLIC` | `PRIVATE` | `PSC`,
 *   default `PUBLIC`);
 * - nothing: SQLite at `.metdb/metdb.sqlite` under the working directory.
 * `METDB_DB_POOL_SIZE` sets the MySQL pool size (default 2: Cloud SQL connections add up to
 * max instances x pool size).
 */
import { MetdbError } from '../errors/metdb-error.js';

export type CloudSqlIpType = 'PUBLIC' | 'PRIVATE' | 'PSC';

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'mysql'; url: string; poolSize: number }
  | {
      kind: 'cloudsql';
      instanceConnectionName: string;
      user: string;
      database: string;
      ipType: CloudSqlIpType;
      poolSize: number;
    };

export const DEFAULT_SQLITE_PATH = '.metdb/metdb.sqlite';
export const DEFAULT_POOL_SIZE = 2;

export function databaseConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DatabaseConfig {
  const poolSize = parsePoolSize(env.METDB_DB_POOL_SIZE);
  const url = nonEmpty(env.METDB_DATABASE_URL);
  if (url !== undefined) return parseDatabaseTarget(url, { poolSize });
  const instance = nonEmpty(env.METDB_CLOUDSQL_INSTANCE);
  if (instance !== undefined) {
    if (!/^[a-z0-9:.-]+:[a-z0-9-]+:[a-z0-9-]+$/i.test(instance)) {
      throw configError('METDB_CLOUDSQL_INSTANCE', instance, 'project:region:instance');
    }
    const user = nonEmpty(env.METDB_DB_USER);
    const database = nonEmpty(env.METDB_DB_NAME);
    if (user === undefined) throw configError('METDB_DB_USER', env.METDB_DB_USER, 'the IAM database user');
    if (database === undefined) throw configError('METDB_DB_NAME', env.METDB_DB_NAME, 'a database name');
    const ipType = (nonEmpty(env.METDB_DB_IP_TYPE) ?? 'PUBLIC').toUpperCase();
    if (ipType !== 'PUBLIC' && ipType !== 'PRIVATE' && ipType !== 'PSC') {
      throw configError('METDB_DB_IP_TYPE', env.METDB_DB_IP_TYPE, 'PUBLIC, PRIVATE or PSC');
    }
    return { kind: 'cloudsql', instanceConnectionName: instance, user, database, ipType, poolSize };
  }
  return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
}

/**
 * A `--db` argument: a `mysql://` (or `mariadb://`) URL, `sqlite:path`, `sqlite::memory:`,
 * or a plain file path (SQLite).
 */
export function parseDatabaseTarget(target: string, options: { poolSize?: number } = {}): DatabaseConfig {
  const t = target.trim();
  if (t === '') throw configError('database target', target, 'a mysql:// URL or a SQLite path');
  if (/^(mysql|mariadb):\/\//i.test(t)) {
    let parsed: URL;
    try {
      parsed = new URL(t);
    } catch (cause) {
      throw configError('database URL', redact(t), 'a valid mysql://user:pass@host:port/db URL', cause);
    }
    if (parsed.hostname === '' || parsed.pathname.length <= 1) {
      throw configError(
        'database URL',
        redact(t),
        'mysql://user:pass@host:port/db with a host and a database',
      );
    }
    return {
      kind: 'mysql',
      url: t.replace(/^mariadb:/i, 'mysql:'),
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    };
  }
  if (/^sqlite:/i.test(t)) {
    // sqlite:path, sqlite:///absolute/path, sqlite://relative/path, sqlite::memory:
    const path = t.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw configError('database target', target, 'a SQLite path after sqlite:');
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    throw configError('database target', redact(t), 'a mysql:// URL or a SQLite path');
  }
  return { kind: 'sqlite', path: t };
}

/** A stable key for caching one pool per configuration (no secrets in it). */
export function databaseConfigKey(config: DatabaseConfig): string {
  switch (config.kind) {
    case 'sqlite':
      return `sqlite:${config.path}`;
    case 'mysql':
      return `mysql:${config.url}#${config.poolSize}`;
    case 'cloudsql':
      return `cloudsql:${config.instanceConnectionName}/${config.database}?user=${config.user}&ip=${config.ipType}#${config.poolSize}`;
  }
}

/** A printable description with any password removed. */
export function describeDatabase(config: DatabaseConfig): string {
  switch (config.kind) {
    case 'sqlite':
      return `SQLite ${config.path}`;
    case 'mysql':
      return `MySQL ${redact(config.url)}`;
    case 'cloudsql':
      return `Cloud SQL ${config.instanceConnectionName}/${config.database} as ${config.user} (${config.ipType})`;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function parsePoolSize(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_POOL_SIZE;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw configError('METDB_DB_POOL_SIZE', raw, 'an integer in [1, 100]');
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function configError(field: string, value: unknown, expected: string, cause?: unknown): MetdbError {
  return new MetdbError('invalid-argument', `${field} must be ${expected}, got ${JSON.stringify(value)}`, {
    details: { field },
    cause,
  });
}
