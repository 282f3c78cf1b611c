/**
 * The one table of database driver conditions (mysql2, better-sqlite3, the Cloud SQL connector
 * and the Google API client beneath it), by what a caller can do about them:
 * - `unavailable`: the server or the path to it is down, busy, failing over or out of
 *   connections; the same work may succeed later (transient);
 * - `conflict`: a unique key already holds the row; `not-found`: a foreign row is missing.
 * Anything not listed is a bug, not a condition (`undefined`).
 */
export type DriverCondition = 'unavailable' | 'conflict' | 'not-found';

const UNAVAILABLE_CODES = new Set([
  // sockets: refused, reset, timed out, unreachable, name lookup
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  // mysql2: the connection died under a query, or the pool was told after a fatal error
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  // MySQL server: too many connections, shutting down, lock wait / deadlock, killed, net errors
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  // a primary demoted to a read-only replica during a failover
  'ER_READ_ONLY_MODE',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  // SQLite: another connection holds the lock
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
  'SQLITE_LOCKED_SHAREDCACHE',
  // Cloud SQL connector: no access token yet, the SQL Admin API or DNS did not answer
  'ENOACCESSTOKEN',
  'EDOMAINNAMELOOKUPFAILED',
  'EDOMAINNAMELOOKUPERROR',
]);
// MySQL error numbers, for drivers or proxies that keep only the number: 1040 too many
// connections, 1053 shutdown, 1158-1161 network, 1203 user connections, 1205 lock wait,
// 1213 deadlock, 1317 interrupted, 1792/1836 read-only, 2002/2003 cannot connect, 2006/2013 gone.
const UNAVAILABLE_ERRNOS = new Set([
  1040, 1053, 1158, 1159, 1160, 1161, 1203, 1205, 1213, 1317, 1792, 1836, 2002, 2003, 2006, 2013, 4031,
]);
const LOCK_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const LOCK_ERRNOS = new Set([1205, 1213]);
// Google APIs (the connector's SQL Admin calls): rate limited or the service is having a moment.
const UNAVAILABLE_HTTP = new Set([408, 429, 500, 502, 503, 504]);
const CONFLICT_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const NOT_FOUND_CODES = new Set([
  'ER_NO_REFERENCED_ROW_2',
  'ER_NO_REFERENCED_ROW',
  'SQLITE_CONSTRAINT_FOREIGNKEY',
]);

interface DriverFacts {
  code?: unknown;
  errno?: unknown;
  status?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The code and MySQL error number of a driver error, when it has them. */
export function driverCodeOf(error: unknown): { code: string | undefined; errno: number | undefined } {
  if (typeof error !== 'object' || error === null) return { code: undefined, errno: undefined };
  const e = error as DriverFacts;
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    errno: typeof e.errno === 'number' ? e.errno : undefined,
  };
}

/**
 * What a driver error means, looking through `cause` and `errors` (the connector and Node's
 * connection attempts wrap the socket's error) a few levels deep.
 */
export function classifyDriverError(error: unknown, depth = 0): DriverCondition | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const own = classifyOne(error);
  if (own !== undefined) return own;
  const { cause, errors } = error as DriverFacts;
  const nested = [cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  for (const inner of nested) {
    const found = classifyDriverError(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A deadlock or lock wait timeout: the whole transaction may simply run again. */
export function isLockCondition(error: unknown): boolean {
  const { code, errno } = driverCodeOf(error);
  return (
    (code !== undefined && (LOCK_CODES.has(code) || code.startsWith('SQLITE_BUSY'))) ||
    (errno !== undefined && LOCK_ERRNOS.has(errno))
  );
}

function classifyOne(e: DriverFacts): DriverCondition | undefined {
  const { code, errno } = driverCodeOf(e);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  if (errno !== undefined && UNAVAILABLE_ERRNOS.has(errno)) return 'unavailable';
  // 1290 is any "--option prevents this statement"; only --read-only / --super-read-only is a failover.
  if ((code === 'ER_OPTION_PREVENTS_STATEMENT' || errno === 1290) && /read.only/i.test(String(e.message)))
    return 'unavailable';
  // gaxios puts the HTTP status in `status`, and as text in `code`
  if (typeof e.status === 'number' && UNAVAILABLE_HTTP.has(e.status)) return 'unavailable';
  if (code !== undefined && /^\d{3}$/.test(code) && UNAVAILABLE_HTTP.has(Number(code))) return 'unavailable';
  if (code !== undefined && CONFLICT_CODES.has(code)) return 'conflict';
  if (code !== undefined && NOT_FOUND_CODES.has(code)) return 'not-found';
  return undefined;
}
