/**
 * 0001 initial schema: datasets, images, jobs, tile_results, registrations, processed_events.
 *
 * Frozen in time: this file depends only on kysely and never on application code. It runs
 * unchanged on MySQL 8 / MariaDB and SQLite, with one set of portable types:
 * - IDs: char(36) (UUIDv7 text); keys and names: varchar(n) with explicit lengths;
 * - counts: integer, byte sizes: bigint, measurements: double precision;
 * - JSON documents: mediumtext holding JSON text (SQLite accepts the name, TEXT affinity);
 * - timestamps: varchar(24) holding ISO-8601 UTC with milliseconds (`2025-01-31T12:00:00.000Z`),
 *   which sorts and compares correctly as text on both databases;
 * - booleans: smallint 0/1.
 * On MySQL every table is InnoDB, utf8mb4 with the binary collation, so that text keys compare
 * byte for byte exactly as in SQLite (object names and idempotency keys are case-sensitive).
 * See docs/schema.md.
 */
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { isMysql } from './dialect-of.js';

const iso = 'varchar(24)';
const json = sql`mediumtext`;

function table(db: Kysely<any>, name: string): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return isMysql(db)
    ? builder.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`)
    : builder;
}

export async function up(db: Kysely<any>): Promise<void> {
  await table(db, 'datasets')
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('settings', json)
    .addColumn('reference_image_id', 'char(36)')
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addUniqueConstraint('datasets_name_uq', ['name'])
    .execute();

  await table(db, 'images')
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('dataset_id', 'char(36)', (c) => c.notNull())
    .addColumn('source_key', 'char(64)', (c) => c.notNull())
    .addColumn('source_bucket', 'varchar(222)', (c) => c.notNull())
    .addColumn('source_object', 'varchar(1024)', (c) => c.notNull())
    .addColumn('source_generation', 'varchar(32)', (c) => c.notNull())
    .addColumn('storage_path', 'varchar(255)', (c) => c.notNull())
    .addColumn('format', 'varchar(16)', (c) => c.notNull())
    .addColumn('byte_size', 'bigint')
    .addColumn('content_hash', 'char(64)')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('depth', 'integer')
    .addColumn('channels', 'integer')
    .addColumn('pages', 'integer')
    .addColumn('pixel_type', 'varchar(16)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failure_reason', 'varchar(1024)')
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addUniqueConstraint('images_source_key_uq', ['source_key'])
    .addUniqueConstraint('images_dataset_content_hash_uq', ['dataset_id', 'content_hash'])
    .addForeignKeyConstraint('images_dataset_fk', ['dataset_id'], 'datasets', ['id'])
    .execute();
  await db.schema
    .createIndex('images_dataset_created_idx')
    .on('images')
    .columns(['dataset_id', 'created_at'])
    .execute();

  await table(db, 'jobs')
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('dataset_id', 'char(36)', (c) => c.notNull())
    .addColumn('reference_image_id', 'char(36)', (c) => c.notNull())
    .addColumn('moving_image_id', 'char(36)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('request_key', 'varchar(255)')
    .addColumn('parameters', json, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('tiles_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tiles_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failure_reason', 'varchar(1024)')
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addColumn('started_at', iso)
    .addColumn('finished_at', iso)
    .addUniqueConstraint('jobs_moving_version_uq', ['dataset_id', 'moving_image_id', 'version'])
    .addUniqueConstraint('jobs_request_key_uq', ['request_key'])
    .addForeignKeyConstraint('jobs_dataset_fk', ['dataset_id'], 'datasets', ['id'])
    .addForeignKeyConstraint('jobs_reference_image_fk', ['reference_image_id'], 'images', ['id'])
    .addForeignKeyConstraint('jobs_moving_image_fk', ['moving_image_id'], 'images', ['id'])
    .execute();
  await db.schema.createIndex('jobs_dataset_state_idx').on('jobs').columns(['dataset_id', 'state']).execute();

  await table(db, 'tile_results')
    .addColumn('job_id', 'char(36)', (c) => c.notNull())
    .addColumn('tile_index', 'integer', (c) => c.notNull())
    .addColumn('region', json, (c) => c.notNull())
    .addColumn('shift_z', 'double precision')
    .addColumn('shift_y', 'double precision')
    .addColumn('shift_x', 'double precision')
    .addColumn('peak', 'double precision')
    .addColumn('error', 'double precision')
    .addColumn('weight', 'double precision')
    .addColumn('skipped', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('skip_reason', 'varchar(255)')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', iso, (c) => c.notNull())
    .addPrimaryKeyConstraint('tile_results_pk', ['job_id', 'tile_index'])
    .addForeignKeyConstraint('tile_results_job_fk', ['job_id'], 'jobs', ['id'], (c) => c.onDelete('cascade'))
    .execute();

  await table(db, 'registrations')
    .addColumn('job_id', 'char(36)', (c) => c.notNull())
    .addColumn('image_id', 'char(36)', (c) => c.notNull())
    .addColumn('shift_z', 'double precision')
    .addColumn('shift_y', 'double precision', (c) => c.notNull())
    .addColumn('shift_x', 'double precision', (c) => c.notNull())
    .addColumn('transform', json)
    .addColumn('residual_rms', 'double precision')
    .addColumn('residual_max', 'double precision')
    .addColumn('residuals', json)
    .addColumn('ncc_before', 'double precision')
    .addColumn('ncc_after', 'double precision')
    .addColumn('tiles_used', 'integer', (c) => c.notNull())
    .addColumn('tiles_rejected', 'integer', (c) => c.notNull())
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addPrimaryKeyConstraint('registrations_pk', ['job_id', 'image_id'])
    .addForeignKeyConstraint('registrations_job_fk', ['job_id'], 'jobs', ['id'], (c) => c.onDelete('cascade'))
    .addForeignKeyConstraint('registrations_image_fk', ['image_id'], 'images', ['id'])
    .execute();
  await db.schema.createIndex('registrations_image_idx').on('registrations').columns(['image_id']).execute();

  await table(db, 'processed_events')
    .addColumn('idempotency_key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('processed_at', iso, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('processed_events_processed_at_idx')
    .on('processed_events')
    .columns(['processed_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['processed_events', 'registrations', 'tile_results', 'jobs', 'images', 'datasets']) {
    await db.schema.dropTable(name).execute();
  }
}
