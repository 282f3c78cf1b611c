/**
 * Which SQL dialect a migration runs on, for the few statements that differ (table options).
 * Frozen in time like the migrations: depends on kysely only.
 */
import { MysqlAdapter, type Kysely } from 'kysely';

export function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}
