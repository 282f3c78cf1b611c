/** Which SQL dialect a Kysely instance or transaction speaks, for the few statements that differ. */
import { MysqlAdapter, SqliteAdapter, type Kysely } from 'kysely';
import { MetdbError } from '../errors/metdb-error.js';

export type SqlDialect = 'mysql' | 'sqlite';

export function sqlDialectOf<DB>(db: Kysely<DB>): SqlDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw new MetdbError(
    'invalid-argument',
    `unsupported SQL dialect ${adapter.constructor.name}: Met-db runs on MySQL or SQLite`,
  );
}
