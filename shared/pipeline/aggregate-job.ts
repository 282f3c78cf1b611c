import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import { aggregateTileShifts, type AggregatedShift } from '../aggregation/robust-shift.js';
import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import type { JobRow, TileResultRow } from '../records/database-schema.js';
import { getImage } from '../records/images-repository.js';
import { getJob, markJobState } from '../records/jobs-repository.js';
import { claimIdempotencyKey } from '../records/processed-events-repository.js';
import { upsertRegistration, type NewRegistration } from '../records/registrations-repository.js';
import { listTileResults } from '../records/tile-results-repository.js';
import { getSeriesByJob, recordSeriesSolution } from '../records/series-repository.js';
import { recordSectionMatrices } from '../records/section-matrices-repository.js';
import { solveSeries, type SeriesSolution } from './aggregate-series.js';
import type { JobParams } from './dataset-settings.js';
import { seriesJobOf } from './series-job.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import { chanceLevel } from '../quality/chance-level.js';
import type { Quality, QualityVerdict } from '../quality/quality-verdict.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { nccColumns, pairNcc } from './pair-ncc.js';
import { registrationVerdict } from './registration-verdict.js';
import { plannedTransformOf, transformRegistration } from './transform-registration.js';

export interface AggregateJobResult {
  readonly jobId: string;
  /** True for the one call that wrote the job's registration (or its failure). */
  readonly aggregated: boolean;
  /** The job's state after this call. */
  readonly state: JobRow['state'];
  readonly shift?: number[];
  /** The verdict on the registration (see `judgeRegistration`), when one was written. */
  readonly quality?: Quality;
  readonly reason?: string;
}

/**
 * Aggregates a job whose tiles are all recorded (state `aggregating`): the robust weighted shift
 * of the moving image (`aggregateTileShifts`: weights from correlation quality, outliers rejected,
 * skipped tiles ignored), per-tile residuals, the whole-image NCC before and after the shift, the
 * registration row upserted and the job `done`. A job without a usable tile ends `failed` with
 * the reason.
 *
 * Exactly once per job: the result is written in one transaction with the idempotency key
 * `aggregate:<jobId>`; a redelivered or concurrent message finds the key claimed (or the job no
 * longer `aggregating`) and writes nothing. A message for a job still running is acknowledged and
 * does nothing (the last tile will publish another).
 */
export async function aggregateJob(
  deps: PipelineDeps,
  input: { jobId: string },
  cache: DecodedImageCache = decodedImages,
): Promise<AggregateJobResult> {
  const { jobId } = input;
  const job = await getJob(deps.db, jobId);
  if (job === undefined)
    throw new MetdbError('not-found', `aggregate: no job ${jobId}`, { details: { jobId } });
  if (job.state !== 'aggregating') {
    const reason =
      job.state === 'done' || job.state === 'failed' ? `already ${job.state}` : `not complete (${job.state})`;
    return { jobId, aggregated: false, state: job.state, reason };
  }
  const tiles = await listTileResults(deps.db, jobId);
  const fail = async (error: unknown): Promise<AggregateJobResult> => {
    if (!isMetdbError(error, 'insufficient-data')) throw error;
    const reason = `no usable tile: ${error.message}; ${skipSummary(tiles)}`.slice(0, 1024);
    const wrote = await finish(deps, jobId, async (trx) => {
      await markJobState(trx, jobId, 'failed', { from: 'aggregating', reason });
    });
    return { jobId, aggregated: wrote, state: 'failed', reason };
  };
  // A series job: the series solve (RCC over its pairs of frames), its rows, the job done.
  const series = seriesJobOf(job.parameters);
  if (series !== undefined) {
    const image = await getImage(deps.db, job.moving_image_id);
    const row = await getSeriesByJob(deps.db, jobId);
    if (image === undefined || row === undefined) {
      throw new MetdbError('not-found', `aggregate: series job ${jobId} has no image or series row`, {
        details: { jobId },
      });
    }
    let solution: SeriesSolution;
    try {
      solution = solveSeries(tiles, { ...(job.parameters as JobParams), series }, image.source_object);
    } catch (error) {
      if (!isMetdbError(error, 'insufficient-data')) throw error;
      const reason = `series not solved: ${error.message}`.slice(0, 1024);
      const wrote = await finish(deps, jobId, async (trx) => {
        await markJobState(trx, jobId, 'failed', { from: 'aggregating', reason });
      });
      return { jobId, aggregated: wrote, state: 'failed', reason };
    }
    const wrote = await finish(deps, jobId, async (trx) => {
      await recordSeriesSolution(trx, row.id, solution.trajectory, solution.frames);
      if (solution.sections !== undefined) await recordSectionMatrices(trx, row.id, solution.sections);
      await markJobState(trx, jobId, 'done', { from: 'aggregating' });
    });
    return {
      jobId,
      aggregated: wrote,
      state: 'done',
      shift: solution.frames.at(-1)?.drift.map((d) => -d) ?? [],
    };
  }
  // Rigid and similarity jobs: the model fitted to the tiles' residual shifts.
  const planned = plannedTransformOf(job.parameters);
  if (planned !== undefined) {
    let fitted: NewRegistration;
    try {
      fitted = await transformRegistration(deps, job, tiles, planned, cache);
    } catch (error) {
      return fail(error);
    }
    const quality = fitted.quality ?? 'low';
    warnUnlessGood(deps, jobId, { quality, reasons: fitted.quality_reasons ?? [] });
    const wrote = await finish(deps, jobId, async (trx) => {
      await upsertRegistration(trx, fitted);
      await markJobState(trx, jobId, 'done', { from: 'aggregating' });
    });
    return { jobId, aggregated: wrote, state: 'done', shift: [fitted.shift_y, fitted.shift_x], quality };
  }
  let solved: AggregatedShift;
  try {
    solved = aggregateTileShifts(tiles.map(tileShiftOf));
  } catch (error) {
    return fail(error);
  }
  const ncc = await pairNcc(deps, job, {
    channel: channelOf(job.parameters),
    cache,
    measure: (reference, moving) => ({
      before: normalizedCrossCorrelation(reference, moving),
      after: normalizedCrossCorrelation(reference, moving, { shift: solved.shift }),
      chance: chanceLevel(reference, moving, solved.shift),
    }),
  });
  const verdict = registrationVerdict(tiles, solved, ncc.chance);
  warnUnlessGood(deps, jobId, verdict);
  const ndim = solved.shift.length;
  const norms = solved.residuals.map((r) => Math.hypot(...r));
  const usedNorms = norms.filter((_, i) => !solved.rejected.includes(i) && !solved.ignored.includes(i));
  const registration: NewRegistration = {
    job_id: jobId,
    image_id: job.moving_image_id,
    shift_z: ndim === 3 ? solved.shift[0]! : null,
    shift_y: solved.shift[ndim - 2]!,
    shift_x: solved.shift[ndim - 1]!,
    transform: {
      type: 'translation',
      shift: solved.shift,
      standardError: solved.standardError,
      method: solved.method,
      axisOrder: ndim === 3 ? 'zyx' : 'yx',
      units: 'pixels',
    },
    residual_rms: finiteOrNull(solved.rms),
    residual_max: usedNorms.length === 0 ? null : Math.max(...usedNorms),
    residuals: tiles.map((t, i) => ({
      tileIndex: t.tile_index,
      residual: solved.residuals[i]?.map(finiteOrNull) ?? null,
      used: !solved.rejected.includes(i) && !solved.ignored.includes(i),
      rejected: solved.rejected.includes(i),
    })),
    ...nccColumns(ncc),
    tiles_used: solved.used,
    tiles_rejected: solved.rejected.length,
    quality: verdict.quality,
    quality_reasons: verdict.reasons.map((r) => r.slice(0, 1024)),
  };
  const wrote = await finish(deps, jobId, async (trx) => {
    await upsertRegistration(trx, registration);
    await markJobState(trx, jobId, 'done', { from: 'aggregating' });
  });
  return { jobId, aggregated: wrote, state: 'done', shift: solved.shift, quality: verdict.quality };
}

function warnUnlessGood(deps: PipelineDeps, jobId: string, verdict: QualityVerdict): void {
  if (verdict.quality === 'good') return;
  deps.logger.warn(
    `aggregate: job ${jobId} registered with quality ${verdict.quality}: ${verdict.reasons.join('; ')}`,
    { jobId, quality: verdict.quality },
  );
}

/** Runs `write` with the job's aggregation key claimed, in one transaction; false if already claimed. */
async function finish(
  deps: PipelineDeps,
  jobId: string,
  write: (trx: PipelineDeps['db']) => Promise<void>,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    if (!(await claimIdempotencyKey(trx, `aggregate:${jobId}`, 'aggregate'))) return false;
    await write(trx);
    return true;
  });
}

function tileShiftOf(t: TileResultRow): { shift: number[]; weight: number; skipped: boolean } {
  const shift = t.region.start.length === 3 ? [t.shift_z, t.shift_y, t.shift_x] : [t.shift_y, t.shift_x];
  return { shift: shift.map((s) => s ?? Number.NaN), weight: t.weight ?? 0, skipped: t.skipped };
}

function skipSummary(tiles: TileResultRow[]): string {
  const reasons = new Map<string, number>();
  for (const t of tiles) {
    const r = t.skipped ? (t.skip_reason ?? 'skipped').replace(/\s*\(.*$/, '') : 'weight 0';
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  return [...reasons].map(([r, n]) => `${n} x ${r}`).join(', ');
}

function channelOf(parameters: unknown): number {
  const channel =
    typeof parameters === 'object' && parameters !== null
      ? (parameters as { channel?: unknown }).channel
      : undefined;
  return typeof channel === 'number' && Number.isInteger(channel) && channel >= 0 ? channel : 0;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
