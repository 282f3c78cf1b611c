/**
 * 0009 mosaic jobs (issue 21, the cloud path): what the stitching of an uploaded dataset needs
 * beside 0007's fan-in.
 * - mosaics.version: 1, 2, ... per dataset (unique with dataset_id): the outputs' prefix
 *   `outputs/<datasetId>/mosaics/v<version>/`, so a new layout never overwrites earlier outputs;
 * - mosaics.redrives: how often the sweep re-published a stalled mosaic's missing work;
 * - mosaic_tiles: one row per tile of a solved mosaic (primary key mosaic_id, tile_index): the
 *   tile's image, its name in the layout, the solved and nominal positions of its top-left corner
 *   (pixels, x right, y down), `registered` or `stage`, and its accepted edges.
 *
 * Frozen in time: depends only on kysely. See docs/schema.md.
 */
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { isMysql } from './dialect-of.js';

function table(db: Kysely<any>, name: string): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return isMysql(db)
    ? builder.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`)
    : builder;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('mosaics')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('mosaics')
    .addColumn('redrives', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Rows written before 0009 are numbered in creation order, one dataset at a time.
  const rows = await db
    .selectFrom('mosaics')
    .select(['id', 'dataset_id'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const next = new Map<string, number>();
  for (const row of rows as { id: string; dataset_id: string }[]) {
    const version = (next.get(row.dataset_id) ?? 0) + 1;
    next.set(row.dataset_id, version);
    await db.updateTable('mosaics').set({ version }).where('id', '=', row.id).execute();
  }
  await db.schema
    .createIndex('mosaics_dataset_version_uq')
    .on('mosaics')
    // version first: an index led by dataset_id would take over the foreign key's own index on
    // MySQL, which could then not be dropped by `down`.
    .columns(['version', 'dataset_id'])
    .unique()
    .execute();

  await table(db, 'mosaic_tiles')
    .addColumn('mosaic_id', 'char(36)', (c) => c.notNull())
    .addColumn('tile_index', 'integer', (c) => c.notNull())
    .addColumn('image_id', 'char(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(1024)', (c) => c.notNull())
    .addColumn('x', 'double precision', (c) => c.notNull())
    .addColumn('y', 'double precision', (c) => c.notNull())
    .addColumn('nominal_x', 'double precision', (c) => c.notNull())
    .addColumn('nominal_y', 'double precision', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('edges', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mosaic_tiles_pk', ['mosaic_id', 'tile_index'])
    .addForeignKeyConstraint('mosaic_tiles_mosaic_fk', ['mosaic_id'], 'mosaics', ['id'])
    .addForeignKeyConstraint('mosaic_tiles_image_fk', ['image_id'], 'images', ['id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mosaic_tiles').execute();
  const index = db.schema.dropIndex('mosaics_dataset_version_uq');
  await (isMysql(db) ? index.on('mosaics') : index).execute();
  await db.schema.alterTable('mosaics').dropColumn('redrives').execute();
  await db.schema.alterTable('mosaics').dropColumn('version').execute();
}
