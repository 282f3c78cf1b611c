/**
 * Data privileges for the functions' database users, granted by the migrator: the functions read
 * and write rows (SELECT, INSERT, UPDATE, DELETE) and hold no DDL privilege, so a compromised or
 * buggy function cannot change the schema. MySQL only (SQLite has no users).
 */
import { sql, type Kysely } from 'kysely';
import { MetdbError } from '../errors/metdb-error.js';
import { sqlDialectOf } from './sql-dialect-of.js';

/** MySQL IAM users are service account emails without `.gserviceaccount.com`. */
const USER = /^[a-z0-9][a-z0-9._@-]{0,95}$/;
const DATABASE = /^[a-z][a-z0-9_]{0,63}$/;

/** The GRANT statement for `users` on `database` (names checked: they are spliced into SQL). */
export function dmlGrantStatement(database: string, users: readonly string[]): string {
  if (!DATABASE.test(database)) throw invalid('database', database);
  for (const user of users) if (!USER.test(user)) throw invalid('user', user);
  const to = users.map((u) => `'${u}'@'%'`).join(', ');
  return `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.* TO ${to}`;
}

/** Grants DML on `database` to `users` (idempotent); a no-op on SQLite or with no users. */
export async function grantDml<DB>(
  db: Kysely<DB>,
  database: string,
  users: readonly string[],
): Promise<void> {
  if (users.length === 0 || sqlDialectOf(db) !== 'mysql') return;
  await sql.raw(dmlGrantStatement(database, users)).execute(db);
}

function invalid(field: string, value: string): MetdbError {
  return new MetdbError(
    'invalid-argument',
    `grantDml: ${field} ${JSON.stringify(value)} is not a valid name`,
  );
}
