/**
 * The mosaics of migration 0007 and their exactly-once fan-in, the same rule as the tiles'
 * (record-tile-result.ts): in one transaction, lock the mosaic row (MySQL `FOR UPDATE`), insert
 * the item unless stored (primary key mosaic_id, item_index), count it only if inserted, then
 * `UPDATE mosaics SET state = 'solving' WHERE id = ? AND state = 'running' AND items_done >=
 * items_total`: the single caller that changes the row runs the solve.
 */
import type { Kysely } from 'kysely';
import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import type { Database, MosaicItemsTable, MosaicsTable, MosaicTilesTable } from './database-schema.js';
import { toDatabaseError, withLockRetry } from './database-error.js';
import { newId } from './new-id.js';
import { sqlDialectOf } from './sql-dialect-of.js';
import { nowIso } from './validate-row.js';

export interface NewMosaic {
  readonly dataset_id: string;
  readonly request_key?: string | null;
  /** The plan (layout, edges, null pairs, options), stored as JSON text. */
  readonly plan: unknown;
  /** Items to measure: edges plus null pairs (at least 1, or 0 for a failed mosaic). */
  readonly items_total: number;
  /** A mosaic that cannot be stitched: recorded `failed` with this reason, nothing to measure. */
  readonly failure_reason?: string;
}

/** One measured item; NaN measurements are stored as null. */
export interface NewMosaicItem {
  readonly mosaic_id: string;
  readonly item_index: number;
  readonly kind: 'edge' | 'null';
  readonly dx: number;
  readonly dy: number;
  readonly ncc: number;
  readonly runner_up: number;
  readonly overlap: number;
  readonly duration_ms: number;
}

export interface RecordMosaicItemOutcome {
  /** This call stored the item (false: a duplicate delivery, nothing changed). */
  readonly inserted: boolean;
  /** This call moved the mosaic to `solving`: run the solve now. */
  readonly completedMosaic: boolean;
}

/**
 * Creates a running (or, with a `failure_reason`, failed) mosaic, the dataset's next version (1, 2, ...); with a `request_key` already
 * used, returns that mosaic instead. Two planners racing on one key (or one version) meet at the
 * unique constraints: the loser looks again.
 */
export async function createMosaic(
  db: Kysely<Database>,
  input: NewMosaic,
): Promise<{ id: string; created: boolean; version: number }> {
  const failed = input.failure_reason !== undefined;
  if (!(Number.isInteger(input.items_total) && input.items_total >= (failed ? 0 : 1))) {
    throw new MetdbError(
      'invalid-value',
      `mosaics.items_total: expected an integer >= 1, got ${input.items_total}`,
    );
  }
  const key = input.request_key ?? null;
  for (let attempt = 1; ; attempt++) {
    try {
      if (key !== null) {
        const found = await db
          .selectFrom('mosaics')
          .select(['id', 'version'])
          .where('request_key', '=', key)
          .executeTakeFirst();
        if (found !== undefined) return { id: found.id, created: false, version: Number(found.version) };
      }
      const last = await db
        .selectFrom('mosaics')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('dataset_id', '=', input.dataset_id)
        .executeTakeFirst();
      const now = nowIso();
      const row: MosaicsTable = {
        id: newId(),
        dataset_id: input.dataset_id,
        request_key: key,
        plan: JSON.stringify(input.plan),
        state: failed ? 'failed' : 'running',
        items_total: input.items_total,
        items_done: 0,
        result: null,
        output_prefix: null,
        failure_reason: input.failure_reason?.slice(0, 1024) ?? null,
        created_at: now,
        updated_at: now,
        version: Number(last?.version ?? 0) + 1,
        redrives: 0,
      };
      await db.insertInto('mosaics').values(row).execute();
      return { id: row.id, created: true, version: row.version };
    } catch (error) {
      const mapped = toDatabaseError(error, 'create mosaic');
      if (isMetdbError(mapped, 'conflict') && attempt < 5) continue;
      throw mapped;
    }
  }
}

/** Records one item with the fan-in rule (see the file's comment); bounded retry on lock errors. */
export async function recordMosaicItem(
  db: Kysely<Database>,
  input: NewMosaicItem,
): Promise<RecordMosaicItemOutcome> {
  const row: MosaicItemsTable = {
    mosaic_id: input.mosaic_id,
    item_index: input.item_index,
    kind: input.kind,
    dx: finite(input.dx),
    dy: finite(input.dy),
    ncc: finite(input.ncc),
    runner_up: finite(input.runner_up),
    overlap: finite(input.overlap),
    duration_ms: Math.max(0, Math.round(input.duration_ms)),
    created_at: nowIso(),
  };
  return withLockRetry('record mosaic item', () => db.transaction().execute((trx) => recordIn(trx, row)));
}

async function recordIn(trx: Kysely<Database>, row: MosaicItemsTable): Promise<RecordMosaicItemOutcome> {
  const lock = trx.selectFrom('mosaics').select(['id', 'items_total']).where('id', '=', row.mosaic_id);
  const mosaic = await (sqlDialectOf(trx) === 'mysql' ? lock.forUpdate() : lock).executeTakeFirst();
  if (mosaic === undefined)
    throw new MetdbError('not-found', `mosaic_items.mosaic_id: no mosaic ${row.mosaic_id}`);
  if (!(Number.isInteger(row.item_index) && row.item_index >= 0 && row.item_index < mosaic.items_total)) {
    throw new MetdbError(
      'invalid-value',
      `mosaic_items.item_index: ${row.item_index} is not in [0, ${mosaic.items_total})`,
    );
  }
  const stored = await trx
    .selectFrom('mosaic_items')
    .select('item_index')
    .where('mosaic_id', '=', row.mosaic_id)
    .where('item_index', '=', row.item_index)
    .executeTakeFirst();
  // The mosaic's lock orders every writer of its items: what is not stored yet is inserted here alone.
  const inserted = stored === undefined;
  if (inserted) {
    await trx.insertInto('mosaic_items').values(row).execute();
    await trx
      .updateTable('mosaics')
      .set((eb) => ({ items_done: eb('items_done', '+', 1), updated_at: row.created_at }))
      .where('id', '=', row.mosaic_id)
      .execute();
  }
  const completed = await trx
    .updateTable('mosaics')
    .set({ state: 'solving', updated_at: row.created_at })
    .where('id', '=', row.mosaic_id)
    .where('state', '=', 'running')
    .whereRef('items_done', '>=', 'items_total')
    .executeTakeFirst();
  return { inserted, completedMosaic: Number(completed.numUpdatedRows) > 0 };
}

export async function getMosaic(db: Kysely<Database>, id: string): Promise<MosaicsTable | undefined> {
  return db.selectFrom('mosaics').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A mosaic's items in index order, nulls back to NaN. */
export async function listMosaicItems(
  db: Kysely<Database>,
  mosaicId: string,
): Promise<
  (Omit<MosaicItemsTable, 'dx' | 'dy' | 'ncc' | 'runner_up' | 'overlap'> &
    Record<'dx' | 'dy' | 'ncc' | 'runner_up' | 'overlap', number>)[]
> {
  const rows = await db
    .selectFrom('mosaic_items')
    .selectAll()
    .where('mosaic_id', '=', mosaicId)
    .orderBy('item_index')
    .execute();
  const num = (v: number | string | null): number => (v === null ? NaN : Number(v));
  return rows.map((r) => ({
    ...r,
    dx: num(r.dx),
    dy: num(r.dy),
    ncc: num(r.ncc),
    runner_up: num(r.runner_up),
    overlap: num(r.overlap),
  }));
}

/**
 * Stores the solved result and the tiles' positions (`solving` -> `done`), or the failure
 * (`running` or `solving` -> `failed`, with a reason), in one transaction; false (nothing written)
 * when the mosaic was not in such a state: another delivery finished it first.
 */
export async function finishMosaic(
  db: Kysely<Database>,
  id: string,
  outcome:
    | {
        result: unknown;
        output_prefix: string | null;
        tiles?: readonly Omit<MosaicTilesTable, 'mosaic_id'>[];
      }
    | { failure_reason: string },
): Promise<boolean> {
  const now = nowIso();
  return withLockRetry('finish mosaic', () =>
    db.transaction().execute(async (trx) => {
      if ('failure_reason' in outcome) {
        const r = await trx
          .updateTable('mosaics')
          .set({ state: 'failed', failure_reason: outcome.failure_reason.slice(0, 1024), updated_at: now })
          .where('id', '=', id)
          .where('state', 'in', ['running', 'solving'])
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }
      const r = await trx
        .updateTable('mosaics')
        .set({
          state: 'done',
          result: JSON.stringify(outcome.result),
          output_prefix: outcome.output_prefix,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('state', '=', 'solving')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      const tiles = (outcome.tiles ?? []).map((t) => ({ ...t, mosaic_id: id }));
      for (let k = 0; k < tiles.length; k += 200) {
        await trx
          .insertInto('mosaic_tiles')
          .values(tiles.slice(k, k + 200))
          .execute();
      }
      return true;
    }),
  );
}

/** A solved mosaic's tiles in layout order. */
export async function listMosaicTiles(db: Kysely<Database>, mosaicId: string): Promise<MosaicTilesTable[]> {
  const rows = await db
    .selectFrom('mosaic_tiles')
    .selectAll()
    .where('mosaic_id', '=', mosaicId)
    .orderBy('tile_index')
    .execute();
  return rows.map((r) => ({
    ...r,
    x: Number(r.x),
    y: Number(r.y),
    nominal_x: Number(r.nominal_x),
    nominal_y: Number(r.nominal_y),
  }));
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
