import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import { aggregateMessageAttributes, type AggregateMessage } from '../messages/aggregate-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import { tileMessageAttributes, type ImageRef, type TileMessage } from '../messages/tile-message.js';
import type { ImageRow } from '../records/database-schema.js';
import {
  claimStalePlanning,
  createJobVersion,
  markJobState,
  startJob,
  supersedeOlderVersions,
} from '../records/jobs-repository.js';
import { planTiles } from '../tiling/plan-tiles.js';
import { predictShift } from '../tiling/predict-shift.js';
import { registerSimilarity } from '../registration/similarity/register-similarity.js';
import { translationMatrix, type Matrix3 } from '../registration/similarity/transform-matrix.js';
import { isAffineModel, type AffineModel } from '../aggregation/section-transform.js';
import { decodedImages } from './decoded-image-cache.js';
import { createSeriesOrGet } from '../records/series-repository.js';
import { seriesTileMessages } from './series-tile-messages.js';
import { tileParamsOf, type JobParams } from './dataset-settings.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface PlanRegistrationInput {
  readonly datasetId: string;
  readonly reference: ImageRow;
  readonly moving: ImageRow;
  readonly params: JobParams;
  /** Idempotency key of this planning request: the same key plans one job, once. */
  readonly requestKey: string;
  /** Recorded with the job's parameters (reprocessing: who asked and why). */
  readonly request?: { requestedBy?: string; reason?: string };
  /**
   * A job created by another call is planned here only when it has stayed `pending` this long
   * (its planner died): `claimStalePlanning`. @default PLANNING_LEASE_MS
   */
  readonly staleAfterMs?: number;
}

/** How long a planner may take before another may take its job over: well over a function's timeout. */
export const PLANNING_LEASE_MS = 15 * 60_000;

export interface PlanRegistrationResult {
  readonly jobId: string;
  /** The job row was created by this call. */
  readonly created: boolean;
  /** Tile messages published by this call (0 when the job had already started). */
  readonly published: number;
  readonly tilesTotal: number;
  /** Set when the job could not be planned and was marked failed. */
  readonly failed?: string;
}

/**
 * Plans the registration of `moving` onto `reference`: a job version (one per request key), its
 * tiles (`planTiles` on the reference's shape), the pair's predicted shift (`predictShift`: the
 * coarse stage, the offset every moving tile is cut at), one self-contained `TileMessage` per tile
 * on the tiles topic, then `startJob(tilesTotal)`.
 *
 * Idempotent: a job already started is left alone (nothing published), and a job another call
 * created and is planning is left to it, so each job's tiles are published once. Tiles are
 * published before the job is started, so a planner that dies halfway leaves the job `pending`;
 * once it has been so for `staleAfterMs`, a redelivered request or the sweep claims it and
 * publishes them all again (duplicates are harmless: tile results are keyed by job and tile;
 * tiles recorded before `startJob` still count).
 */
export async function planRegistration(
  deps: PipelineDeps,
  input: PlanRegistrationInput,
): Promise<PlanRegistrationResult> {
  const { reference, moving, params } = input;
  // Rigid, similarity and affine jobs: the whole-image transform first (kept with the job's
  // parameters for the aggregation's fit), the tiles then measure what it leaves.
  const initial =
    params.series !== undefined || params.model === undefined || params.model === 'translation'
      ? undefined
      : await initialTransform(deps, reference, moving, params.model, params.channel);
  const parameters = {
    ...params,
    ...(initial?.matrix === undefined ? {} : { initialMatrix: initial.matrix }),
    ...(input.request === undefined ? {} : { request: input.request }),
  };
  const { job, created } = await createJobVersion(deps.db, {
    dataset_id: input.datasetId,
    reference_image_id: reference.id,
    moving_image_id: moving.id,
    parameters,
    request_key: input.requestKey,
  });
  const base = { jobId: job.id, created, published: 0, tilesTotal: job.tiles_total };
  if (params.series !== undefined) {
    await createSeriesOrGet(deps.db, {
      dataset_id: input.datasetId,
      image_id: moving.id,
      job_id: job.id,
      mode: params.series.mode,
      frames: params.series.frames,
      frame_shape: params.series.frameShape,
    });
  }
  if (created && job.version > 1) await supersedeOlderVersions(deps.db, job);
  if (job.state !== 'pending') return base;
  // A reference and a moving image ingested together both reach here for the same job: only its
  // creator publishes the tiles (or, once it has evidently died, whoever claims the job).
  if (!created) {
    const staleBefore = new Date(Date.now() - (input.staleAfterMs ?? PLANNING_LEASE_MS)).toISOString();
    if (!(await claimStalePlanning(deps.db, job.id, staleBefore))) return base;
  }
  const refShape = shapeOf(reference);
  const movShape = shapeOf(moving);
  if (params.series === undefined && refShape.join('x') !== movShape.join('x')) {
    const reason = `the moving image's shape ${movShape.join('x')} differs from the reference's ${refShape.join('x')} (axis order (z,) y, x)`;
    await markJobState(deps.db, job.id, 'failed', { from: 'pending', reason });
    return { ...base, failed: reason };
  }
  if (initial?.failure !== undefined) {
    await markJobState(deps.db, job.id, 'failed', { from: 'pending', reason: initial.failure });
    return { ...base, failed: initial.failure };
  }
  const tiles = await tileMessagesOf(deps, {
    jobId: job.id,
    datasetId: input.datasetId,
    reference,
    moving,
    params,
    ...(initial?.matrix === undefined ? {} : { matrix: initial.matrix }),
  });
  if (tiles.length === 0) {
    const reason = 'nothing to register: the series has a single time bin (binFrames >= its frames)';
    await markJobState(deps.db, job.id, 'failed', { from: 'pending', reason });
    return { ...base, failed: reason };
  }
  await Promise.all(
    tiles.map((message) => deps.bus.publish(deps.topics.tiles, message, tileMessageAttributes(message))),
  );
  const started = await startJob(deps.db, job.id, tiles.length);
  if (started.completedJob) {
    const message: AggregateMessage = { schemaVersion: SCHEMA_VERSION, jobId: job.id };
    await deps.bus.publish(deps.topics.aggregate, message, aggregateMessageAttributes(message));
  }
  return { ...base, published: tiles.length, tilesTotal: tiles.length };
}

/**
 * The tile messages of a job, in tile order: the tiles of the reference's shape (`planTiles`), cut
 * from the moving image at the pair's predicted offset. Deterministic, so the sweep rebuilds
 * exactly the messages the planner published.
 */
export async function tileMessagesOf(
  deps: PipelineDeps,
  job: {
    jobId: string;
    datasetId: string;
    reference: ImageRow;
    moving: ImageRow;
    params: JobParams;
    /** The job's whole-image transform (rigid, similarity): tiles are cut along it. */
    matrix?: TileMessage['matrix'];
  },
): Promise<TileMessage[]> {
  const { reference, moving, params, matrix } = job;
  if (params.series !== undefined) {
    return seriesTileMessages(deps, { ...job, image: moving, params: { ...params, series: params.series } });
  }
  const refShape = shapeOf(reference);
  const tiles = planTiles(refShape, { tileSize: params.tileSize, overlap: params.tileOverlap });
  const tileParams = tileParamsOf(params);
  const offset =
    matrix === undefined ? await predictedOffset(deps, reference, moving, tileParams.channel) : undefined;
  const ref = imageRef(deps, reference, refShape);
  const mov = imageRef(deps, moving, shapeOf(moving));
  return tiles.map((tile) => ({
    schemaVersion: SCHEMA_VERSION,
    jobId: job.jobId,
    tileIndex: tile.index,
    tileCount: tiles.length,
    datasetId: job.datasetId,
    reference: ref,
    moving: mov,
    region: { start: [...tile.start], size: [...tile.size] },
    ...(offset === undefined ? {} : { offset }),
    ...(matrix === undefined ? {} : { matrix }),
    params: tileParams,
  }));
}

/**
 * The pair's whole-pixel predicted shift (`predictShift` on the decoded canonical images, kept in
 * the process's `DecodedImageCache`), or undefined when it is zero or an image cannot be decoded
 * (the tiles are then cut in place; their own measurement reports the problem).
 */
async function predictedOffset(
  deps: PipelineDeps,
  reference: ImageRow,
  moving: ImageRow,
  channel: number,
): Promise<number[] | undefined> {
  try {
    const [a, b] = await Promise.all([
      decodedImages.get(deps.blobs, reference.storage_path, channel),
      decodedImages.get(deps.blobs, moving.storage_path, channel),
    ]);
    const { offset } = predictShift(a.array, b.array);
    return offset.some((o) => o !== 0) ? offset : undefined;
  } catch (error) {
    if (!isMetdbError(error) || error.kind !== 'permanent') throw error;
    deps.logger.warn(`plan: no predicted shift for image ${moving.id}: ${error.message}`, {
      imageId: moving.id,
    });
    return undefined;
  }
}

/**
 * The whole-image transform of the pair: rigid or similarity by `registerSimilarity` without its
 * direct refinement (the tiles refine it); for the affine models the pair's coarse shift
 * (`predictShift`), the tiles' shifts then giving the scale and shear. Or the reason it cannot be
 * had (3D, shapes, a scale outside 0.5-2): a permanent failure of the job.
 */
async function initialTransform(
  deps: PipelineDeps,
  reference: ImageRow,
  moving: ImageRow,
  model: 'rigid' | 'similarity' | AffineModel,
  channel: number,
): Promise<{ matrix?: Matrix3; failure?: string }> {
  try {
    const [a, b] = await Promise.all([
      decodedImages.get(deps.blobs, reference.storage_path, channel),
      decodedImages.get(deps.blobs, moving.storage_path, channel),
    ]);
    if (a.array.shape.length !== 2 || b.array.shape.length !== 2) {
      return { failure: `model ${model} needs 2D images (this pair is ${a.array.shape.length}D)` };
    }
    if (isAffineModel(model)) return { matrix: translationMatrix(predictShift(a.array, b.array).shift) };
    return { matrix: registerSimilarity(a.array, b.array, { model, refine: false }).matrix };
  } catch (error) {
    if (!isMetdbError(error) || error.kind !== 'permanent') throw error;
    return { failure: `model ${model}: ${error.message}` };
  }
}

/** An ingested image's decoded shape, axis order (z,) y, x. */
export function shapeOf(image: ImageRow): number[] {
  if (image.status !== 'ingested' || image.width === null || image.height === null) {
    throw new MetdbError('invalid-value', `image ${image.id} is not ingested (status ${image.status})`, {
      details: { imageId: image.id, status: image.status },
    });
  }
  const depth = image.depth ?? 1;
  return depth > 1 ? [depth, image.height, image.width] : [image.height, image.width];
}

function imageRef(deps: PipelineDeps, image: ImageRow, shape: number[]): ImageRef {
  const pixelType = image.pixel_type;
  if (pixelType !== 'uint8' && pixelType !== 'uint16' && pixelType !== 'float32') {
    throw new MetdbError('invalid-value', `image ${image.id} has pixel type ${String(pixelType)}`, {
      details: { imageId: image.id, pixelType },
    });
  }
  return { imageId: image.id, bucket: deps.blobs.bucket, path: image.storage_path, shape, pixelType };
}
