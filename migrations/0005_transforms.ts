/**
 * 0005 transforms: every registration carries its transform as a matrix (issue 18).
 * - registrations.model: 'translation', 'rigid' or 'similarity' (null for rows written before
 *   0005: translations);
 * - registrations.matrix: the homogeneous matrix as JSON text, (x, y) pixel coordinates with the
 *   origin at the centre of the top-left pixel, mapping moving points onto reference points
 *   (3x3 in 2D; 4x4 in (x, y, z) for a 3D translation); see docs/messages.md;
 * - registrations.angle (degrees) and registrations.scale: the rotation and scale of a rigid or
 *   similarity matrix (null for translations).
 *
 * Frozen in time: depends only on kysely. See docs/schema.md.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registrations').addColumn('model', 'varchar(16)').execute();
  await db.schema.alterTable('registrations').addColumn('matrix', 'text').execute();
  await db.schema.alterTable('registrations').addColumn('angle', 'double precision').execute();
  await db.schema.alterTable('registrations').addColumn('scale', 'double precision').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['scale', 'angle', 'matrix', 'model']) {
    await db.schema.alterTable('registrations').dropColumn(column).execute();
  }
}
