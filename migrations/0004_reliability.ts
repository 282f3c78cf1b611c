/**
 * 0004 reliability: what recovery needs to see and re-drive stuck work (issue 20).
 * - jobs.redrives: how often the sweep re-drove the job (republished its missing tiles, planned
 *   or aggregated it again); after the limit the sweep fails the job with the reason;
 * - jobs.last_error: the latest failure of the job's work (a tile's error, a dead letter), so a
 *   human sees why a job is slow or failed before it is final;
 * - dead_letters: every message that exhausted its deliveries, with what it was about (job and
 *   tile, or upload object), its reason and its payload for a replay. `dedupe_key` keeps a
 *   redelivered dead letter from being recorded twice.
 *
 * Frozen in time: depends only on kysely. See docs/schema.md and docs/operations.md.
 */
import { sql, type Kysely } from 'kysely';
import { isMysql } from './dialect-of.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('redrives', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('jobs').addColumn('last_error', 'varchar(1024)').execute();
  const table = db.schema.createTable('dead_letters');
  await (
    isMysql(db)
      ? table.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`)
      : table
  )
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'char(64)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('subscription', 'varchar(255)')
    .addColumn('message_id', 'varchar(255)')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('job_id', 'char(36)')
    .addColumn('tile_index', 'integer')
    .addColumn('object_name', 'varchar(1024)')
    .addColumn('delivery_attempts', 'integer')
    .addColumn('reason', 'varchar(1024)', (c) => c.notNull())
    .addColumn('payload', sql`mediumtext`, (c) => c.notNull())
    .addColumn('attributes', sql`mediumtext`)
    .addColumn('received_at', 'varchar(24)', (c) => c.notNull())
    .addUniqueConstraint('dead_letters_dedupe_uq', ['dedupe_key'])
    .execute();
  await db.schema.createIndex('dead_letters_job_idx').on('dead_letters').columns(['job_id']).execute();
  await db.schema.createIndex('jobs_state_updated_idx').on('jobs').columns(['state', 'updated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const index = db.schema.dropIndex('jobs_state_updated_idx');
  await (isMysql(db) ? index.on('jobs') : index).execute();
  await db.schema.dropTable('dead_letters').execute();
  await db.schema.alterTable('jobs').dropColumn('last_error').execute();
  await db.schema.alterTable('jobs').dropColumn('redrives').execute();
}
