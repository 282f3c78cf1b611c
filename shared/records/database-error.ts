/**
 * Maps driver errors (mysql2, better-sqlite3, the Cloud SQL connector) to MetdbError values with a
 * kind, by the one table in driver-error-codes.ts:
 * - refused, reset or timed-out connections, too many connections, lock wait timeouts, deadlocks,
 *   a read-only server after a failover, SQLite busy: `unavailable` (transient: retried);
 * - unique violations are `conflict`, missing foreign rows `not-found` (permanent).
 * Anything else is rethrown unchanged (a bug, not a condition to handle). Every query goes
 * through `toDatabaseError` (classifying-dialect.ts), so repositories need not catch to classify.
 */
import { MetdbError, isMetdbError } from '../errors/metdb-error.js';
import { classifyDriverError, driverCodeOf, isLockCondition } from './driver-error-codes.js';

/**
 * Deadlock, lock wait timeout or SQLite busy (also as the cause of a MetdbError): the same
 * transaction may simply be run again.
 */
export function isLockConflict(error: unknown): boolean {
  if (isMetdbError(error)) return error.kind === 'transient' && isLockConflict(error.cause);
  return isLockCondition(error);
}

export function isTransientDatabaseError(error: unknown): boolean {
  if (isMetdbError(error)) return error.kind === 'transient';
  return classifyDriverError(error) === 'unavailable';
}

/** The MetdbError for a driver error, or the error itself when it is not a known condition. */
export function toDatabaseError(error: unknown, operation: string): unknown {
  if (isMetdbError(error)) return error;
  const condition = classifyDriverError(error);
  if (condition === undefined) return error;
  const { code, errno } = driverCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation, driverCode: code, errno };
  switch (condition) {
    case 'unavailable':
      return new MetdbError(
        'unavailable',
        `${operation}: database unavailable (${code ?? errno ?? 'no code'}): ${message}`,
        {
          details,
          cause: error,
        },
      );
    case 'conflict':
      return new MetdbError('conflict', `${operation}: duplicate key: ${message}`, { details, cause: error });
    case 'not-found':
      return new MetdbError('not-found', `${operation}: references a missing row: ${message}`, {
        details,
        cause: error,
      });
  }
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
