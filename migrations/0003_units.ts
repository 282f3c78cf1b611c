/**
 * 0003 physical units: the pixel (voxel) size an image's file states, with its unit.
 * - images.pixel_size_x, pixel_size_y, pixel_size_z: size of one pixel along each axis, in
 *   pixel_size_unit (z null for 2D images and stacks without a z spacing);
 * - images.pixel_size_unit: 'µm', 'nm', 'Å', 'mm'... (null when the file states no size).
 *
 * Frozen in time: depends only on kysely. See docs/schema.md.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const axis of ['x', 'y', 'z']) {
    await db.schema.alterTable('images').addColumn(`pixel_size_${axis}`, 'double precision').execute();
  }
  await db.schema.alterTable('images').addColumn('pixel_size_unit', 'varchar(8)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['pixel_size_unit', 'pixel_size_z', 'pixel_size_y', 'pixel_size_x']) {
    await db.schema.alterTable('images').dropColumn(column).execute();
  }
}
