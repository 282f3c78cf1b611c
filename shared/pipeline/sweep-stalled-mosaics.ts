import { edgeMessageAttributes } from '../messages/edge-message.js';
import { mosaicMessageAttributes, type MosaicMessage } from '../messages/mosaic-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { MosaicsTable } from '../records/database-schema.js';
import { finishMosaic } from '../records/mosaics-repository.js';
import { nowIso } from '../records/validate-row.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { edgeMessagesOf, storedPlanOf, type StoredMosaicPlan } from './stored-mosaic-plan.js';

export interface SweepMosaicsOptions {
  /** A mosaic whose row has not changed for this long is stalled. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Re-drives of a mosaic before the sweep fails it with the reason. @default 3 */
  maxRedrives?: number;
  /** Mosaics looked at per sweep, oldest first. @default 100 */
  limit?: number;
}

export interface SweptMosaic {
  readonly mosaicId: string;
  readonly datasetId: string;
  /** The state the sweep found: `running` (items missing) or `solving` (the solve not stored). */
  readonly state: string;
  /** `redriven`: its missing work was published again; `failed`: out of re-drives. */
  readonly action: 'redriven' | 'failed' | 'skipped';
  /** Items (edges, then null pairs) with no measurement. */
  readonly missingItems: number[];
  readonly published: number;
  readonly reason?: string;
}

/**
 * The mosaics' counterpart of `sweepStalledJobs`: finds mosaics whose progress stalled (`running`
 * or `solving`, row unchanged for `stalledAfterMs`: every recorded item and every state change
 * touches it) and re-drives each once per sweep:
 * - `running`: republishes exactly the edge messages of the items with no measurement
 *   (`edgeMessagesOf`, the planner's own messages); recording is exactly-once, so an item that
 *   was only slow is harmless;
 * - `solving` (the solve message lost, dead-lettered, or its function killed): publishes the
 *   `MosaicMessage` again; `solveStitching` stores only from `solving`, once.
 * The k-th re-drive waits `stalledAfterMs × 2^k`; after `maxRedrives` a still-stalled mosaic is
 * marked `failed` with a one-line reason naming the missing edges. Each re-drive is claimed by
 * compare-and-set on `updated_at`, so concurrent sweeps re-drive a mosaic once.
 */
export async function sweepStalledMosaics(
  deps: PipelineDeps,
  options: SweepMosaicsOptions = {},
): Promise<SweptMosaic[]> {
  const { stalledAfterMs = 600_000, maxRedrives = 3, limit = 100 } = options;
  const rows = await deps.db
    .selectFrom('mosaics')
    .selectAll()
    .where('state', 'in', ['running', 'solving'])
    .where('updated_at', '<=', new Date(Date.now() - stalledAfterMs).toISOString())
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  const swept: SweptMosaic[] = [];
  const now = Date.now();
  for (const mosaic of rows) {
    const patience = stalledAfterMs * 2 ** Math.min(Number(mosaic.redrives), 10);
    if (Date.parse(mosaic.updated_at) > now - patience) continue;
    swept.push(await sweepMosaic(deps, mosaic, maxRedrives, patience));
  }
  return swept;
}

async function sweepMosaic(
  deps: PipelineDeps,
  mosaic: MosaicsTable,
  maxRedrives: number,
  stalledAfterMs: number,
): Promise<SweptMosaic> {
  const stored = storedPlanOf(mosaic.plan);
  const missing = mosaic.state === 'running' ? await missingItems(deps, mosaic) : [];
  const base = {
    mosaicId: mosaic.id,
    datasetId: mosaic.dataset_id,
    state: mosaic.state,
    missingItems: missing,
    published: 0,
  };
  const redrives = Number(mosaic.redrives);
  if (redrives >= maxRedrives) {
    const reason =
      `stalled ${mosaic.state}: no progress for ${Math.round(stalledAfterMs / 1000)} s after ${redrives} re-drive(s)` +
      (mosaic.state === 'solving'
        ? '; the solve never stored its result'
        : `; ${missing.length} of ${mosaic.items_total} item(s) not measured: ${describeItems(stored, missing)}`);
    const failed = await finishMosaic(deps.db, mosaic.id, { failure_reason: reason });
    if (failed) deps.logger.error(`sweep: mosaic ${mosaic.id} failed: ${reason}`, { mosaicId: mosaic.id });
    return { ...base, action: failed ? 'failed' : 'skipped', reason };
  }
  // Claim the re-drive: only the sweep that moves updated_at on from what it read proceeds.
  const claimed = await deps.db
    .updateTable('mosaics')
    .set((eb) => ({ redrives: eb('redrives', '+', 1), updated_at: nowIso() }))
    .where('id', '=', mosaic.id)
    .where('state', '=', mosaic.state)
    .where('updated_at', '=', mosaic.updated_at)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return { ...base, action: 'skipped' };
  const published = await redrive(deps, mosaic, stored, missing);
  deps.logger.warn(
    `sweep: mosaic ${mosaic.id} (${mosaic.state}) stalled, re-drive ${redrives + 1}: ${published} message(s) published`,
    { mosaicId: mosaic.id, missingItems: missing.length },
  );
  return { ...base, action: 'redriven', published };
}

async function redrive(
  deps: PipelineDeps,
  mosaic: MosaicsTable,
  stored: StoredMosaicPlan,
  missing: readonly number[],
): Promise<number> {
  if (mosaic.state === 'running' && missing.length > 0) {
    const messages = edgeMessagesOf(mosaic.id, stored, new Set(missing));
    await Promise.all(
      messages.map((m) => deps.bus.publish(deps.topics.edges ?? 'edges', m, edgeMessageAttributes(m))),
    );
    return messages.length;
  }
  // Every item recorded: the fan-in moved it to `solving` (or, `running` with nothing missing,
  // a crash between the two writes); the solve message is what was lost.
  if (mosaic.state === 'running') {
    const moved = await deps.db
      .updateTable('mosaics')
      .set({ state: 'solving', updated_at: nowIso() })
      .where('id', '=', mosaic.id)
      .where('state', '=', 'running')
      .whereRef('items_done', '>=', 'items_total')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return 0;
  }
  const message: MosaicMessage = { schemaVersion: SCHEMA_VERSION, mosaicId: mosaic.id };
  await deps.bus.publish(deps.topics.mosaics ?? 'mosaics', message, mosaicMessageAttributes(message));
  return 1;
}

/** Item indexes of a running mosaic with no measurement. */
async function missingItems(deps: PipelineDeps, mosaic: MosaicsTable): Promise<number[]> {
  const done = await deps.db
    .selectFrom('mosaic_items')
    .select('item_index')
    .where('mosaic_id', '=', mosaic.id)
    .execute();
  const have = new Set(done.map((r) => Number(r.item_index)));
  const missing: number[] = [];
  for (let i = 0; i < mosaic.items_total; i++) if (!have.has(i)) missing.push(i);
  return missing;
}

/** "edge a.tif | b.tif, null pair 41 and 3 more": the first few missing items, by tile name. */
function describeItems(stored: StoredMosaicPlan, items: readonly number[]): string {
  const { pairs } = stored.plan;
  const names = stored.layout.tiles.map((t) => t.name);
  const shown = items.slice(0, 4).map((k) => {
    const pair = pairs[k];
    return pair === undefined ? `null pair ${k}` : `edge ${names[pair.i]} | ${names[pair.j]}`;
  });
  return shown.join(', ') + (items.length > shown.length ? ` and ${items.length - shown.length} more` : '');
}
