/**
 * Reading tile results (writing is recordTileResult, the fan-in primitive). Plain functions
 * taking a Kysely instance or a transaction first.
 */
import type { Kysely } from 'kysely';
import type { Database, TileRegion, TileResultRow, TileResultsTable } from './database-schema.js';

type Db = Kysely<Database>;

/** A job's tile results in tile order. */
export async function listTileResults(db: Db, jobId: string): Promise<TileResultRow[]> {
  const rows = await db
    .selectFrom('tile_results')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('tile_index')
    .execute();
  return rows.map(toTileResultRow);
}

export async function getTileResult(
  db: Db,
  jobId: string,
  tileIndex: number,
): Promise<TileResultRow | undefined> {
  const row = await db
    .selectFrom('tile_results')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('tile_index', '=', tileIndex)
    .executeTakeFirst();
  return row && toTileResultRow(row);
}

export function toTileResultRow(row: TileResultsTable): TileResultRow {
  return { ...row, region: JSON.parse(row.region) as TileRegion, skipped: Number(row.skipped) !== 0 };
}
