/**
 * 0002 quality verdicts: every tile result and registration says whether it can be believed.
 * - tile_results.quality: 'good' | 'low' | 'failed' (null for rows written before this migration);
 * - registrations.quality, quality_reasons (JSON array of one-line findings), ncc_chance (the
 *   chance level of the permutation test: the NCC that unrelated overlaps of the pair reach).
 *
 * Frozen in time: depends only on kysely. See docs/quality.md and docs/schema.md.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tile_results').addColumn('quality', 'varchar(8)').execute();
  await db.schema.alterTable('registrations').addColumn('quality', 'varchar(8)').execute();
  await db.schema
    .alterTable('registrations')
    .addColumn('quality_reasons', sql`mediumtext`)
    .execute();
  await db.schema.alterTable('registrations').addColumn('ncc_chance', 'double precision').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registrations').dropColumn('ncc_chance').execute();
  await db.schema.alterTable('registrations').dropColumn('quality_reasons').execute();
  await db.schema.alterTable('registrations').dropColumn('quality').execute();
  await db.schema.alterTable('tile_results').dropColumn('quality').execute();
}
