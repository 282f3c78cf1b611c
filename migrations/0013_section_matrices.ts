/**
 * 0013 section matrices (issue 19): a stack of sections aligned frame to frame (a series job with
 * an affine `model`) keeps one row per section, primary key (series_id, frame_index): its
 * transform onto section 0 (the six entries of the homogeneous matrix, moving -> reference, (x, y)
 * pixels: m00 m01 m02 / m10 m11 m12), the measured step onto the section before (JSON text), the
 * model fitted, the step's evidence (tiles, inliers, residual RMS) and `flagged` (too-few-points,
 * no-points: bridged by a shift or the identity). Section 0 has no step.
 *
 * Frozen in time: depends only on kysely; the portable types of 0001. See docs/schema.md.
 */
import { sql, type Kysely } from 'kysely';
import { isMysql } from './dialect-of.js';

export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema
    .createTable('section_matrices')
    .addColumn('series_id', 'char(36)', (c) => c.notNull())
    .addColumn('frame_index', 'integer', (c) => c.notNull());
  for (const entry of ['m00', 'm01', 'm02', 'm10', 'm11', 'm12']) {
    table = table.addColumn(entry, 'double precision', (c) => c.notNull());
  }
  table = table
    .addColumn('step', 'varchar(512)')
    .addColumn('model', 'varchar(32)')
    .addColumn('tiles', 'integer')
    .addColumn('inliers', 'integer')
    .addColumn('residual_rms', 'double precision')
    .addColumn('flagged', 'varchar(16)')
    .addPrimaryKeyConstraint('section_matrices_pk', ['series_id', 'frame_index'])
    .addForeignKeyConstraint('section_matrices_series_fk', ['series_id'], 'series', ['id'], (c) =>
      c.onDelete('cascade'),
    );
  if (isMysql(db)) {
    table = table.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`);
  }
  await table.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('section_matrices').execute();
}
