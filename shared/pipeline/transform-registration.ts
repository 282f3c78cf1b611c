import { fitTileTransform, type TileMatch } from '../aggregation/fit-tile-transform.js';
import { maskedNcc } from '../aggregation/masked-ncc.js';
import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import { isMetdbError } from '../errors/metdb-error.js';
import type { ChanceLevel } from '../quality/chance-level.js';
import { transformChanceLevel } from '../quality/transform-chance-level.js';
import type { JobRow, TileResultRow } from '../records/database-schema.js';
import { getImage } from '../records/images-repository.js';
import type { NewRegistration } from '../records/registrations-repository.js';
import {
  imageCentre,
  invertMatrix,
  similarityParameters,
  type Matrix3,
} from '../registration/similarity/transform-matrix.js';
import { warpBilinear } from '../registration/similarity/warp-bilinear.js';
import type { DecodedImageCache } from './decoded-image-cache.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';
import { registrationVerdict } from './registration-verdict.js';
import { shapeOf } from './plan-registration.js';

/** A rigid or similarity job's plan, as its parameters keep it. */
export interface PlannedTransform {
  readonly model: 'rigid' | 'similarity';
  readonly initial: Matrix3;
  readonly channel: number;
}

/** The planned transform of a job's parameters, or undefined for a translation job. */
export function plannedTransformOf(parameters: unknown): PlannedTransform | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const p = parameters as { model?: unknown; initialMatrix?: unknown; channel?: unknown };
  if (p.model !== 'rigid' && p.model !== 'similarity') return undefined;
  const m = p.initialMatrix;
  const ok =
    Array.isArray(m) &&
    m.length === 3 &&
    m.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => Number.isFinite(v)));
  if (!ok) return undefined;
  const channel = typeof p.channel === 'number' && Number.isInteger(p.channel) ? p.channel : 0;
  return { model: p.model, initial: m as Matrix3, channel };
}

/**
 * The registration row of a rigid or similarity job: the model fitted to its tiles' residual
 * shifts (`fitTileTransform`), its angle, scale and centre shift, the per-tile residuals, and the
 * NCC of the pair before and after (the moving image resampled through the matrix, over the
 * overlap), and the quality verdict (`registrationVerdict`, with `transformChanceLevel`'s
 * permutation test on the aligned images).
 *
 * @throws MetdbError 'insufficient-data' when no tile is usable
 */
export async function transformRegistration(
  deps: PipelineDeps,
  job: JobRow,
  tiles: readonly TileResultRow[],
  planned: PlannedTransform,
  cache: DecodedImageCache,
): Promise<NewRegistration> {
  const fitted = fitTileTransform(tiles.map(matchOf), planned.initial, planned.model);
  const moving = await getImage(deps.db, job.moving_image_id);
  const centre = imageCentre(moving === undefined ? [1, 1] : shapeOf(moving));
  const { angle, scale, shift } = similarityParameters(fitted.matrix, centre);
  const used = fitted.residuals.filter((r): r is [number, number] => r !== null).map((r) => Math.hypot(...r));
  const ncc = await nccOf(deps, job, { ...planned, matrix: fitted.matrix }, cache);
  const verdict = registrationVerdict(tiles, fitted, ncc.chance);
  return {
    job_id: job.id,
    image_id: job.moving_image_id,
    shift_z: null,
    shift_y: shift[0],
    shift_x: shift[1],
    model: planned.model,
    matrix: fitted.matrix,
    angle,
    scale: planned.model === 'rigid' ? 1 : scale,
    transform: {
      type: planned.model,
      matrix: fitted.matrix,
      angle,
      scale,
      shift,
      initialMatrix: planned.initial,
      method: 'tile least squares',
      axisOrder: 'xy',
      units: 'pixels',
    },
    residual_rms: Number.isFinite(fitted.rms) ? fitted.rms : null,
    residual_max: used.length === 0 ? null : Math.max(...used),
    residuals: tiles.map((t, i) => ({
      tileIndex: t.tile_index,
      residual: fitted.residuals[i] ?? null,
      used: fitted.residuals[i] !== null,
      rejected: fitted.rejected.includes(i),
    })),
    ncc_before: ncc.before,
    ncc_after: ncc.after,
    tiles_used: fitted.used,
    tiles_rejected: fitted.rejected.length,
    quality: verdict.quality,
    quality_reasons: verdict.reasons.map((r) => r.slice(0, 1024)),
    ncc_chance: ncc.chance === undefined ? null : clamp(ncc.chance.nccChance),
  };
}

function matchOf(t: TileResultRow): TileMatch {
  return {
    region: t.region,
    shift: [t.shift_y ?? Number.NaN, t.shift_x ?? Number.NaN],
    weight: t.weight ?? 0,
    skipped: t.skipped,
  };
}

/**
 * The NCC of the pair before and after (full resolution, over the overlap) and the permutation
 * test of the registration (`transformChanceLevel`); nulls when the images cannot be read.
 */
async function nccOf(
  deps: PipelineDeps,
  job: JobRow,
  { matrix, model, channel }: { matrix: Matrix3; model: PlannedTransform['model']; channel: number },
  cache: DecodedImageCache,
): Promise<{ before: number | null; after: number | null; chance?: ChanceLevel }> {
  const [reference, moving] = await Promise.all([
    getImage(deps.db, job.reference_image_id),
    getImage(deps.db, job.moving_image_id),
  ]);
  if (reference === undefined || moving === undefined) return { before: null, after: null };
  try {
    const [a, b] = await Promise.all([
      cache.get(deps.blobs, reference.storage_path, channel),
      cache.get(storeOf(deps), moving.storage_path, channel),
    ]);
    const warped = warpBilinear(b.array, invertMatrix(matrix), a.array.shape as [number, number], Number.NaN);
    return {
      before: clamp(normalizedCrossCorrelation(a.array, b.array)),
      after: clamp(maskedNcc(a.array, warped)),
      chance: transformChanceLevel(a.array, b.array, matrix, model),
    };
  } catch (error) {
    if (isMetdbError(error) && error.kind === 'permanent') return { before: null, after: null };
    throw error;
  }
}

function clamp(value: number): number | null {
  return Number.isFinite(value) ? Math.min(1, Math.max(-1, value)) : null;
}
