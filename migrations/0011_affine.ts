/**
 * 0011 affine: registrations.model holds the FIB-SEM affine models too ('affine', 'xscale-shift',
 * 'scale-shift', 'regularized-affine': 18 characters, more than 0005's varchar(16)), so it
 * widens to varchar(32). SQLite does not enforce declared lengths: nothing to do there.
 * Down narrows it back, renaming the models that no longer fit ('regularized-affine' ->
 * 'affine'; the fitted matrix and the model asked for stay in the row's transform JSON).
 *
 * Frozen in time: depends only on kysely. See docs/schema.md.
 */
import { sql, type Kysely } from 'kysely';
import { isMysql } from './dialect-of.js';

export async function up(db: Kysely<any>): Promise<void> {
  if (!isMysql(db)) return;
  await db.schema.alterTable('registrations').modifyColumn('model', 'varchar(32)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db
    .updateTable('registrations')
    .set({ model: 'affine' })
    .where(sql`length(model)`, '>', 16)
    .execute();
  if (!isMysql(db)) return;
  await db.schema.alterTable('registrations').modifyColumn('model', 'varchar(16)').execute();
}
