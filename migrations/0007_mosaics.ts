/**
 * 0007 mosaics (issue 21): a stitching job and its fanned-out measurements.
 * - mosaics: one row per stitching job of a dataset: its plan (layout, edges, null pairs, options:
 *   JSON text), the fan-in counters (`items_total`, `items_done`), the state (`running` ->
 *   `solving` once every item is in -> `done` or `failed`), the solved result (JSON text) and
 *   where its outputs went (`output_prefix`).
 * - mosaic_items: one row per measured item (an edge or a null pair), primary key
 *   (mosaic_id, item_index), so that a redelivered message inserts nothing: the offset found, its
 *   NCC, the runner-up's NCC and the overlap (NaN measurements are stored as null).
 *
 * Frozen in time: depends only on kysely; the portable types of 0001. See docs/schema.md.
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
  await table(db, 'mosaics')
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('dataset_id', 'char(36)', (c) => c.notNull())
    .addColumn('request_key', 'varchar(255)')
    .addColumn('plan', json, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('items_total', 'integer', (c) => c.notNull())
    .addColumn('items_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('result', json)
    .addColumn('output_prefix', 'varchar(1024)')
    .addColumn('failure_reason', 'varchar(1024)')
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addUniqueConstraint('mosaics_request_key_uq', ['request_key'])
    .addForeignKeyConstraint('mosaics_dataset_fk', ['dataset_id'], 'datasets', ['id'])
    .execute();

  await table(db, 'mosaic_items')
    .addColumn('mosaic_id', 'char(36)', (c) => c.notNull())
    .addColumn('item_index', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('dx', 'double precision')
    .addColumn('dy', 'double precision')
    .addColumn('ncc', 'double precision')
    .addColumn('runner_up', 'double precision')
    .addColumn('overlap', 'bigint')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', iso, (c) => c.notNull())
    .addPrimaryKeyConstraint('mosaic_items_pk', ['mosaic_id', 'item_index'])
    .addForeignKeyConstraint('mosaic_items_mosaic_fk', ['mosaic_id'], 'mosaics', ['id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mosaic_items').execute();
  await db.schema.dropTable('mosaics').execute();
}
