import { fitTileTransform, type TileMatch } from '../aggregation/fit-tile-transform.js';
import {
  DEFAULT_LAMBDA,
  isAffineModel,
  type AffineModel,
  type SectionTransform,
} from '../aggregation/section-transform.js';
import type { QualityVerdict } from '../quality/quality-verdict.js';
import { maskedNcc } from '../aggregation/masked-ncc.js';
import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
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
import type { PipelineDeps } from './pipeline-deps.js';
import { nccColumns, pairNcc } from './pair-ncc.js';
import { registrationVerdict } from './registration-verdict.js';
import { shapeOf } from './plan-registration.js';

/** A rigid, similarity or affine job's plan, as its parameters keep it. */
export interface PlannedTransform {
  readonly model: 'rigid' | 'similarity' | AffineModel;
  readonly initial: Matrix3;
  readonly channel: number;
  /** 'regularized-affine''s strength (`fitSectionTransform`). */
  readonly lambda?: number;
}

/** The planned transform of a job's parameters, or undefined for a translation job. */
export function plannedTransformOf(parameters: unknown): PlannedTransform | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const p = parameters as { model?: unknown; initialMatrix?: unknown; channel?: unknown; lambda?: unknown };
  if (p.model !== 'rigid' && p.model !== 'similarity' && !isAffineModel(p.model)) return undefined;
  const m = p.initialMatrix;
  const ok =
    Array.isArray(m) &&
    m.length === 3 &&
    m.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => Number.isFinite(v)));
  if (!ok) return undefined;
  const channel = typeof p.channel === 'number' && Number.isInteger(p.channel) ? p.channel : 0;
  const lambda = typeof p.lambda === 'number' && p.lambda >= 0 ? { lambda: p.lambda } : {};
  return { model: p.model, initial: m as Matrix3, channel, ...lambda };
}

/**
 * The registration row of a rigid, similarity or affine job: the model fitted to its tiles' residual
 * shifts (`fitTileTransform`), its angle, scale (rigid, similarity) and centre shift, the per-tile
 * residuals, the NCC of the pair before and after (the moving image resampled through the matrix,
 * over the overlap), and the quality verdict (`registrationVerdict`, with `transformChanceLevel`'s
 * permutation test on the aligned images). An affine job with too little evidence is fitted as a
 * shift and flagged in its transform (`flagged`), never bent on a few tiles.
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
  const fitted = fitTileTransform(tiles.map(matchOf), planned.initial, planned.model, {
    ...(planned.lambda !== undefined && { lambda: planned.lambda }),
  });
  const affine = isAffineModel(planned.model);
  if (fitted.flagged !== null) {
    deps.logger.warn(`aggregate: job ${job.id} (${planned.model}) fitted as a shift: ${fitted.flagged}`, {
      jobId: job.id,
      flagged: fitted.flagged,
    });
  }
  const moving = await getImage(deps.db, job.moving_image_id);
  const centre = imageCentre(moving === undefined ? [1, 1] : shapeOf(moving));
  const { angle, scale, shift } = similarityParameters(fitted.matrix, centre);
  const used = fitted.residuals.filter((r): r is [number, number] => r !== null).map((r) => Math.hypot(...r));
  const kind = isAffineModel(planned.model) ? 'affine' : planned.model;
  const ncc = await pairNcc(deps, job, {
    channel: planned.channel,
    cache,
    measure: (reference, moving) => ({
      before: normalizedCrossCorrelation(reference, moving),
      // After: over the overlap, the moving image resampled onto the reference's grid (NaN outside).
      after: maskedNcc(
        reference,
        warpBilinear(moving, invertMatrix(fitted.matrix), reference.shape as [number, number], Number.NaN),
      ),
      chance: transformChanceLevel(reference, moving, fitted.matrix, kind),
    }),
  });
  const verdict = flaggedVerdict(
    registrationVerdict(tiles, fitted, ncc.chance),
    fitted.flagged,
    planned.model,
  );
  return {
    job_id: job.id,
    image_id: job.moving_image_id,
    shift_z: null,
    shift_y: shift[0],
    shift_x: shift[1],
    model: planned.model,
    matrix: fitted.matrix,
    angle: affine ? null : angle,
    scale: affine ? null : planned.model === 'rigid' ? 1 : scale,
    transform: {
      type: planned.model,
      matrix: fitted.matrix,
      ...(affine ? {} : { angle, scale }),
      shift,
      ...(affine && {
        flagged: fitted.flagged,
        ...(planned.model === 'regularized-affine' && { lambda: planned.lambda ?? DEFAULT_LAMBDA }),
      }),
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
    ...nccColumns(ncc),
    tiles_used: fitted.used,
    tiles_rejected: fitted.rejected.length,
    quality: verdict.quality,
    quality_reasons: verdict.reasons.map((r) => r.slice(0, 1024)),
  };
}

/** An affine job fitted as a shift for want of evidence is at best `low`, and says why. */
function flaggedVerdict(
  verdict: QualityVerdict,
  flagged: SectionTransform['flagged'],
  model: PlannedTransform['model'],
): QualityVerdict {
  if (flagged === null) return verdict;
  return {
    ...verdict,
    quality: verdict.quality === 'good' ? 'low' : verdict.quality,
    reasons: [...verdict.reasons, `fitted-as-shift: ${model} had ${flagged}`],
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
