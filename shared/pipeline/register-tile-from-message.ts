import { aggregateMessageAttributes, type AggregateMessage } from '../messages/aggregate-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { TileMessage } from '../messages/tile-message.js';
import {
  recordTileResult,
  recordTileResults,
  type NewTileResult,
  type RecordTileOutcome,
} from '../records/record-tile-result.js';
import { getTileResult, recordedTileIndexes } from '../records/tile-results-repository.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import { measureTile } from './measure-tile.js';
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
 * window, phase correlation, a quality weight), and records the result with `recordTileResult`.
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
): Promise<RegisterTileResult> {
  const [settled] = await registerTileMessages(deps, [message], cache);
  if (!settled!.ok) throw settled!.error;
  return settled!.result;
}

/** What became of one message of a batch: its result, or the error its delivery fails with. */
export type TileSettlement =
  | { readonly ok: true; readonly result: RegisterTileResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * `registerTileFromMessage` for several messages at once (a local worker's batch of deliveries):
 * the same measurements and the same rows, but one query for the tiles already recorded and one
 * fan-in transaction (`recordTileResults`) for the whole batch. A message whose measurement
 * throws (a transient error) fails alone; if the batch's transaction fails, the tiles are
 * recorded one by one so that only the culprit fails. Each job completed by the batch publishes
 * its `AggregateMessage` once.
 *
 * @returns one settlement per message, in order
 */
export async function registerTileMessages(
  deps: PipelineDeps,
  messages: readonly TileMessage[],
  cache: DecodedImageCache = decodedImages,
): Promise<TileSettlement[]> {
  const settled = new Array<TileSettlement | undefined>(messages.length);
  const recorded = await recordedTiles(deps, messages);
  const measured: { index: number; row: NewTileResult }[] = [];
  for (const [index, m] of messages.entries()) {
    if (recorded.has(tileKey(m))) {
      settled[index] = {
        ok: true,
        result: { jobId: m.jobId, tileIndex: m.tileIndex, inserted: false, completedJob: false },
      };
      continue;
    }
    try {
      measured.push({ index, row: await measureTile(deps, m, cache) });
    } catch (error) {
      settled[index] = { ok: false, error };
    }
  }
  const outcomes = await recordMeasuredTiles(
    deps,
    measured.map((p) => p.row),
  );
  measured.forEach((p, k) => (settled[p.index] = outcomes[k]!));
  return settled.map((s) => s!);
}

/**
 * The recording half of `registerTileMessages`, for rows measured elsewhere (`measureTile`, on a
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

function tileKey(m: { jobId: string; tileIndex: number }): string {
  return `${m.jobId}\u0000${m.tileIndex}`;
}

/** The (job, tile) keys of the messages that already have a result: one query per job. */
async function recordedTiles(deps: PipelineDeps, messages: readonly TileMessage[]): Promise<Set<string>> {
  const byJob = new Map<string, number[]>();
  for (const m of messages) byJob.set(m.jobId, [...(byJob.get(m.jobId) ?? []), m.tileIndex]);
  const keys = new Set<string>();
  for (const [jobId, indexes] of byJob) {
    const found =
      indexes.length === 1
        ? (await getTileResult(deps.db, jobId, indexes[0]!)) === undefined
          ? []
          : indexes
        : await recordedTileIndexes(deps.db, jobId, indexes);
    for (const tileIndex of found) keys.add(tileKey({ jobId, tileIndex }));
  }
  return keys;
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
