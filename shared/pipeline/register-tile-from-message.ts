import { aggregateMessageAttributes, type AggregateMessage } from '../messages/aggregate-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { TileMessage } from '../messages/tile-message.js';
import {
  recordTileResult,
  recordTileResults,
  type NewTileResult,
  type RecordTileOutcome,
} from '../records/record-tile-result.js';
import { getTileResult } from '../records/tile-results-repository.js';
import { noteJobError } from '../records/jobs-repository.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import { measureTile } from './measure-tile.js';
import type { TileWorkspace } from '../tiling/tile-workspace.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface RegisterTileResult {
  readonly jobId: string;
  readonly tileIndex: number;
  /** This delivery stored the tile result (false: a duplicate, nothing changed). */
  readonly inserted: boolean;
  /** This delivery completed the job and published its aggregation message. */
  readonly completedJob: boolean;
  /** Why the tile was recorded as skipped (flat, image unreadable...). */
  readonly skipped?: string;
}

/**
 * Registers one tile: reads the two canonical images named by the message (decoded once per
 * process, `DecodedImageCache`), cuts the region out of both, `registerTile` (preprocessing, the
 * window, phase correlation, a quality weight: `measureTile`), and records the result
 * (`recordMeasuredTiles`).
 * The delivery that records the job's last tile publishes the `AggregateMessage`.
 *
 * Tiles that cannot be registered (too little signal, an unreadable image, a shape that does not
 * match the message) are recorded as skipped with their reason and weight 0, so the job still
 * completes; the aggregation ignores them. A tile already recorded is not computed again.
 */
export async function registerTileFromMessage(
  deps: PipelineDeps,
  message: TileMessage,
  cache: DecodedImageCache = decodedImages,
  workspace?: TileWorkspace,
): Promise<RegisterTileResult> {
  const { jobId, tileIndex } = message;
  try {
    if ((await getTileResult(deps.db, jobId, tileIndex)) !== undefined) {
      return { jobId, tileIndex, inserted: false, completedJob: false };
    }
    const [settled] = await recordMeasuredTiles(deps, [await measureTile(deps, message, cache, workspace)]);
    if (!settled!.ok) throw settled!.error;
    return settled!.result;
  } catch (error) {
    // Visible on the job while the delivery is retried (and in the sweep's reason if it never works).
    const text = error instanceof Error ? error.message : String(error);
    await noteJobError(deps.db, jobId, `tile ${tileIndex}: ${text}`);
    throw error;
  }
}

/** What became of one measured tile: its result, or the error its delivery fails with. */
export type TileSettlement =
  | { readonly ok: true; readonly result: RegisterTileResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * The recording half of `registerTileFromMessage`, also for rows measured elsewhere (`measureTile`, on a
 * local worker): the rows in one fan-in transaction (one by one if it fails, so that only the
 * culprit fails), and each job completed by them publishes its `AggregateMessage` once.
 *
 * @returns one settlement per row, in order
 */
export async function recordMeasuredTiles(
  deps: PipelineDeps,
  rows: readonly NewTileResult[],
): Promise<TileSettlement[]> {
  const outcomes = await recordAll(deps, rows);
  const settled: TileSettlement[] = [];
  for (const [k, row] of rows.entries()) {
    const outcome = outcomes[k]!;
    if (!outcome.ok) {
      settled.push(outcome);
      continue;
    }
    const { inserted, completedJob } = outcome.result;
    if (completedJob) {
      const aggregate: AggregateMessage = { schemaVersion: SCHEMA_VERSION, jobId: row.job_id };
      await deps.bus.publish(deps.topics.aggregate, aggregate, aggregateMessageAttributes(aggregate));
    }
    settled.push({
      ok: true,
      result: {
        jobId: row.job_id,
        tileIndex: row.tile_index,
        inserted,
        completedJob,
        ...(row.skipped === true && row.skip_reason != null ? { skipped: row.skip_reason } : {}),
      },
    });
  }
  return settled;
}

/** Records the rows in one transaction; if that fails, one by one (each failure its own). */
async function recordAll(
  deps: PipelineDeps,
  rows: readonly NewTileResult[],
): Promise<({ ok: true; result: RecordTileOutcome } | { ok: false; error: unknown })[]> {
  if (rows.length === 0) return [];
  try {
    return (await recordTileResults(deps.db, rows)).map((result) => ({ ok: true, result }));
  } catch (error) {
    if (rows.length === 1) return [{ ok: false, error }];
  }
  const out: ({ ok: true; result: RecordTileOutcome } | { ok: false; error: unknown })[] = [];
  for (const row of rows) {
    try {
      out.push({ ok: true, result: await recordTileResult(deps.db, row) });
    } catch (error) {
      out.push({ ok: false, error });
    }
  }
  return out;
}

export { registerTileParams } from './measure-tile.js';
