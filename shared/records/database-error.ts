/**
 * Maps driver errors (mysql2, better-sqlite3) to MetdbError values with a kind:
 * - lost connections, refused/reset sockets, too many connections, deadlocks, lock wait
 *   timeouts and SQLITE_BUSY are `unavailable` (transient: the platform retries);
 * - unique violations are `conflict`, missing foreign rows `not-found` (permanent).
 * Anything else is rethrown unchanged (a bug, not a condition to handle).
 */
import { MetdbError, isMetdbError } from '../errors/metdb-error.js';

const TRANSIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
]);
// MySQL error numbers, for drivers or proxies that only keep the number.
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1203, 1205, 1213, 1317, 2002, 2003, 2006, 2013]);
const UNIQUE_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const MISSING_REF_CODES = new Set([
  'ER_NO_REFERENCED_ROW_2',
  'ER_NO_REFERENCED_ROW',
  'SQLITE_CONSTRAINT_FOREIGNKEY',
]);

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

function codeOf(error: unknown): { code: string | undefined; errno: number | undefined } {
  if (typeof error !== 'object' || error === null) return { code: undefined, errno: undefined };
  const e = error as DriverError;
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    errno: typeof e.errno === 'number' ? e.errno : undefined,
  };
}

/**
 * Deadlock, lock wait timeout or SQLite busy (also as the cause of a MetdbError): the same
 * transaction may simply be run again.
 */
export function isLockConflict(error: unknown): boolean {
  if (isMetdbError(error)) return error.kind === 'transient' && isLockConflict(error.cause);
  const { code, errno } = codeOf(error);
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    errno === 1213 ||
    errno === 1205 ||
    (code !== undefined && code.startsWith('SQLITE_BUSY'))
  );
}

export function isTransientDatabaseError(error: unknown): boolean {
  if (isMetdbError(error)) return error.kind === 'transient';
  const { code, errno } = codeOf(error);
  return (
    (code !== undefined && TRANSIENT_CODES.has(code)) || (errno !== undefined && TRANSIENT_ERRNOS.has(errno))
  );
}

/** The MetdbError for a driver error, or the error itself when it is not a known condition. */
export function toDatabaseError(error: unknown, operation: string): unknown {
  if (isMetdbError(error)) return error;
  const { code, errno } = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation, driverCode: code, errno };
  if (isTransientDatabaseError(error)) {
    return new MetdbError(
      'unavailable',
      `${operation}: database unavailable (${code ?? errno}): ${message}`,
      {
        details,
        cause: error,
      },
    );
  }
  if (code !== undefined && UNIQUE_CODES.has(code)) {
    return new MetdbError('conflict', `${operation}: duplicate key: ${message}`, { details, cause: error });
  }
  if (code !== undefined && MISSING_REF_CODES.has(code)) {
    return new MetdbError('not-found', `${operation}: references a missing row: ${message}`, {
      details,
      cause: error,
    });
  }
  return error;
}

export interface RetryOptions {
  /** Attempts in all, including the first. @default 6 */
  attempts?: number;
  /** First backoff in milliseconds, doubled each retry, with full jitter. @default 5 */
  baseDelayMs?: number;
}

/**
 * Runs `work` (a whole transaction) and runs it again on deadlock / lock wait timeout / busy,
 * a bounded number of times. Errors that remain are mapped by `toDatabaseError`.
 */
export async function withLockRetry<T>(
  operation: string,
  work: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts = 6, baseDelayMs = 5 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isLockConflict(error)) throw toDatabaseError(error, operation);
      const delay = Math.random() * baseDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
