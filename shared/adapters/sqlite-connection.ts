/**
 * Opens a better-sqlite3 connection with the settings Met-db relies on.
 *
 * Settings: WAL journal (readers never block the writer), `busy_timeout` (a writer waits for
 * another process's write lock instead of failing at once), foreign keys on, synchronous NORMAL.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type SqliteHandle = BetterSqlite3.Database;

export interface SqliteOptions {
  /** How long a writer waits for another connection's lock before SQLITE_BUSY, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /** Open an existing file read-only (no folder created, no journal mode set): `metdb serve`. @default false */
  readOnly?: boolean;
}

export function openSqlite(path: string, options: SqliteOptions = {}): SqliteHandle {
  const { busyTimeoutMs = 5000, readOnly = false } = options;
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory && !readOnly) mkdirSync(dirname(path), { recursive: true });
  const handle = readOnly
    ? new BetterSqlite3(path, { readonly: true, fileMustExist: true })
    : new BetterSqlite3(path);
  try {
    handle.pragma(`busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
    if (!inMemory && !readOnly) handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
  } catch (error) {
    handle.close();
    throw error;
  }
  return handle;
}
