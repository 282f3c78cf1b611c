/**
 * 0006 series (issue 16): a multi-page file read as a time series, and its solved drift.
 * - images.size_t, images.size_z: the time points and z planes of the file's planes as its
 *   metadata states them (ImageJ frames/slices, OME SizeT/SizeZ); null when it states none;
 *   images.axes_source: 'imagej' | 'ome' | 'mrc' | 'pages' (no axis metadata), null for 2D files.
 * - series: one row per series job (a job version of the series' image): the mode, the frames,
 *   the frame shape, the state and the solved trajectory (JSON text: pairs, bins, drift, errors).
 * - series_frames: one row per frame of a series, primary key (series_id, frame_index): its drift
 *   and the drift's standard error per axis (z null in 2D), pixels, and the frame's verdict.
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
  await db.schema.alterTable('images').addColumn('size_t', 'integer').execute();
  await db.schema.alterTable('images').addColumn('size_z', 'integer').execute();
  await db.schema.alterTable('images').addColumn('axes_source', 'varchar(8)').execute();

  await table(db, 'series')
    .addColumn('id', 'char(36)', (c) => c.primaryKey())
    .addColumn('dataset_id', 'char(36)', (c) => c.notNull())
    .addColumn('image_id', 'char(36)', (c) => c.notNull())
    .addColumn('job_id', 'char(36)', (c) => c.notNull())
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('frames', 'integer', (c) => c.notNull())
    .addColumn('frame_shape', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('trajectory', json)
    .addColumn('failure_reason', 'varchar(1024)')
    .addColumn('created_at', iso, (c) => c.notNull())
    .addColumn('updated_at', iso, (c) => c.notNull())
    .addUniqueConstraint('series_job_uq', ['job_id'])
    .addForeignKeyConstraint('series_dataset_fk', ['dataset_id'], 'datasets', ['id'])
    .addForeignKeyConstraint('series_image_fk', ['image_id'], 'images', ['id'])
    .addForeignKeyConstraint('series_job_fk', ['job_id'], 'jobs', ['id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('series_image_idx').on('series').columns(['image_id']).execute();

  await table(db, 'series_frames')
    .addColumn('series_id', 'char(36)', (c) => c.notNull())
    .addColumn('frame_index', 'integer', (c) => c.notNull())
    .addColumn('drift_z', 'double precision')
    .addColumn('drift_y', 'double precision', (c) => c.notNull())
    .addColumn('drift_x', 'double precision', (c) => c.notNull())
    .addColumn('error_z', 'double precision')
    .addColumn('error_y', 'double precision')
    .addColumn('error_x', 'double precision')
    .addColumn('quality', 'varchar(8)')
    .addPrimaryKeyConstraint('series_frames_pk', ['series_id', 'frame_index'])
    .addForeignKeyConstraint('series_frames_series_fk', ['series_id'], 'series', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('series_frames').execute();
  await db.schema.dropTable('series').execute();
  for (const column of ['axes_source', 'size_z', 'size_t']) {
    await db.schema.alterTable('images').dropColumn(column).execute();
  }
}
