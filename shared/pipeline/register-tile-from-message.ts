import { isMetdbError } from '../errors/metdb-error.js';
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
import type { WindowOption } from '../registration/preprocess/validate-preprocess-options.js';
import { extractRegion } from '../tiling/extract-region.js';
import { registerTile, type RegisterTileParams } from '../tiling/register-tile.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import { preparedTiles } from './prepared-tile-cache.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';

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
  const pending: { index: number; row: NewTileResult; skipped?: string }[] = [];
  for (const [index, m] of messages.entries()) {
    const ids = { jobId: m.jobId, tileIndex: m.tileIndex };
    if (recorded.has(tileKey(m))) {
      settled[index] = { ok: true, result: { ...ids, inserted: false, completedJob: false } };
      continue;
    }
    const started = Date.now();
    try {
      const row = await measure(deps, m, cache);
      pending.push({
        index,
        row: {
          ...row,
          job_id: m.jobId,
          tile_index: m.tileIndex,
          region: { start: m.region.start, size: m.region.size },
          duration_ms: Date.now() - started,
        },
        ...(row.skipped === true && row.skip_reason != null ? { skipped: row.skip_reason } : {}),
      });
    } catch (error) {
      settled[index] = { ok: false, error };
    }
  }
  const outcomes = await recordAll(
    deps,
    pending.map((p) => p.row),
  );
  for (const [k, p] of pending.entries()) {
    const outcome = outcomes[k]!;
    if (!outcome.ok) {
      settled[p.index] = outcome;
      continue;
    }
    const m = messages[p.index]!;
    const { inserted, completedJob } = outcome.result;
    if (completedJob) {
      const aggregate: AggregateMessage = { schemaVersion: SCHEMA_VERSION, jobId: m.jobId };
      await deps.bus.publish(deps.topics.aggregate, aggregate, aggregateMessageAttributes(aggregate));
    }
    settled[p.index] = {
      ok: true,
      result: {
        jobId: m.jobId,
        tileIndex: m.tileIndex,
        inserted,
        completedJob,
        ...(p.skipped === undefined ? {} : { skipped: p.skipped }),
      },
    };
  }
  return settled.map((s) => s!);
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

type Measured = Omit<NewTileResult, 'job_id' | 'tile_index' | 'region' | 'duration_ms'>;

async function measure(deps: PipelineDeps, m: TileMessage, cache: DecodedImageCache): Promise<Measured> {
  try {
    const channel = m.params.channel;
    const [reference, moving] = await Promise.all([
      cache.get(storeOf(deps, m.reference.bucket), m.reference.path, channel),
      cache.get(storeOf(deps, m.moving.bucket), m.moving.path, channel),
    ]);
    for (const [which, image, expected] of [
      ['reference', reference, m.reference.shape],
      ['moving', moving, m.moving.shape],
    ] as const) {
      const shape = image.array.shape;
      if (shape.length !== expected.length || shape.some((n, axis) => n !== expected[axis])) {
        return skipped(
          `the ${which} image decodes to ${image.array.shape.join('x')}, the message says ${expected.join('x')}`,
        );
      }
    }
    const params = registerTileParams(m.params);
    const referenceKey = `${m.reference.bucket ?? ''}\u0000${m.reference.path}\u0000${channel}\u0000${JSON.stringify(m.region)}`;
    const preparedReference = preparedTiles.get(
      referenceKey,
      () => extractRegion(reference.array, m.region),
      params,
    );
    const result = registerTile(preparedReference, extractRegion(moving.array, m.region), params);
    const ndim = result.shift.length;
    return {
      shift_z: ndim === 3 ? result.shift[0]! : null,
      shift_y: result.shift[ndim - 2]!,
      shift_x: result.shift[ndim - 1]!,
      peak: finite(result.peakRatio),
      error: finite(result.error),
      weight: result.skipped === undefined ? result.weight : 0,
      skipped: result.skipped !== undefined,
      skip_reason:
        result.skipped === undefined
          ? null
          : `${result.skipped} (signal ${result.signal.toFixed(2)}, minimum ${m.params.minTileSignal})`,
    };
  } catch (error) {
    if (isMetdbError(error) && error.kind === 'permanent') return skipped(error.message);
    throw error;
  }
}

/** The tile message's parameters as `registerTile` takes them (the window is its own option there). */
export function registerTileParams(params: TileMessage['params']): RegisterTileParams {
  const { window, ...preprocess } = params.preprocessing;
  const w = windowOf(window);
  return {
    upsampleFactor: params.upsampleFactor,
    normalization: params.normalization,
    window: w.window,
    ...(w.alpha === undefined ? {} : { tukeyAlpha: w.alpha }),
    preprocess,
    minSignal: params.minTileSignal,
  };
}

function windowOf(window: false | WindowOption | undefined): {
  window: 'hann' | 'tukey' | 'none';
  alpha?: number;
} {
  if (window === undefined || window === false) return { window: 'none' };
  if (window === 'hann' || window === 'tukey') return { window };
  if (window.type === 'hann') return { window: 'hann' };
  return { window: 'tukey', ...(window.alpha === undefined ? {} : { alpha: window.alpha }) };
}

function skipped(reason: string): Measured {
  return {
    skipped: true,
    skip_reason: reason.length <= 255 ? reason : `${reason.slice(0, 254)}…`,
    weight: 0,
  };
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
