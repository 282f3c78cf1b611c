import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { claimIdempotencyKey } from '../../shared/records/processed-events-repository.js';
import { isLockConflict, toDatabaseError, withLockRetry } from '../../shared/records/database-error.js';
import { openSqlite } from '../../shared/adapters/sqlite-connection.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { createSqliteTestDatabase, type TestDatabase } from './test-databases.js';

describe('database errors', () => {
  let handle: DatabaseHandle | undefined;
  let target: TestDatabase | undefined;
  afterEach(async () => {
    await handle?.close();
    await target?.drop();
    handle = undefined;
    target = undefined;
  });

  it('maps a refused MySQL connection to a transient unavailable error', async () => {
    handle = await connectDatabase({ kind: 'mysql', url: 'mysql://root@127.0.0.1:1/none', poolSize: 1 });
    const error: unknown = await claimIdempotencyKey(handle.db, 'k', 'x').catch((e: unknown) => e);
    expect(isMetdbError(error, 'unavailable')).toBe(true);
    expect(isMetdbError(error) && error.kind).toBe('transient');
  });

  it('maps SQLite busy (another connection holds the write lock) to transient, after bounded retries', async () => {
    target = createSqliteTestDatabase();
    handle = await connectDatabase(target.config, { busyTimeoutMs: 0 });
    await migrateToLatest(handle.db);
    const other = openSqlite(target.config.kind === 'sqlite' ? target.config.path : '');
    other.exec('BEGIN IMMEDIATE');
    try {
      const error: unknown = await claimIdempotencyKey(handle.db, 'k', 'x').catch((e: unknown) => e);
      expect(isMetdbError(error, 'unavailable')).toBe(true);
      let attempts = 0;
      const retried: unknown = await withLockRetry(
        'probe',
        () => {
          attempts++;
          return claimIdempotencyKey(handle!.db, 'k', 'x');
        },
        { attempts: 3, baseDelayMs: 1 },
      ).catch((e: unknown) => e);
      expect(isMetdbError(retried, 'unavailable')).toBe(true);
      expect(attempts).toBe(3);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await claimIdempotencyKey(handle.db, 'k', 'x')).toBe(true);
  });

  it('classifies driver error shapes', () => {
    const deadlock = Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
    expect(isLockConflict(deadlock)).toBe(true);
    expect(toDatabaseError(deadlock, 'op')).toMatchObject({ code: 'unavailable', kind: 'transient' });
    for (const code of ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ER_CON_COUNT_ERROR']) {
      expect(toDatabaseError(Object.assign(new Error(code), { code }), 'op')).toMatchObject({
        code: 'unavailable',
      });
    }
    expect(
      toDatabaseError(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY', errno: 1062 }), 'op'),
    ).toMatchObject({
      code: 'conflict',
      kind: 'permanent',
    });
    const bug = new TypeError('x is undefined');
    expect(toDatabaseError(bug, 'op')).toBe(bug);
  });
});
