import { isMetdbError } from '../errors/metdb-error.js';
import type { DecodedImage } from '../imaging/image-info.js';
import type { ChanceLevel } from '../quality/chance-level.js';
import type { JobRow } from '../records/database-schema.js';
import { getImage } from '../records/images-repository.js';
import type { NewRegistration } from '../records/registrations-repository.js';
import type { DecodedImageCache } from './decoded-image-cache.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';

/** A registration's whole-image NCC before and after (null if undefined) and its permutation test. */
export interface PairNcc {
  readonly before: number | null;
  readonly after: number | null;
  readonly chance?: ChanceLevel;
}

/** What a model measures on the decoded pair: raw NCCs (clamped here) and the chance level. */
export type MeasurePair = (
  reference: DecodedImage['array'],
  moving: DecodedImage['array'],
) => { before: number; after: number; chance: ChanceLevel };

/**
 * Decodes a job's reference and moving images (channel `channel`, through `cache`) and measures
 * them with `measure`. Nulls, never a failed aggregation, when an image row is missing or the pair
 * cannot be read or compared (a permanent error, logged); transient errors are rethrown.
 */
export async function pairNcc(
  deps: PipelineDeps,
  job: JobRow,
  { channel, cache, measure }: { channel: number; cache: DecodedImageCache; measure: MeasurePair },
): Promise<PairNcc> {
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
    const measured = measure(a.array, b.array);
    return { before: clampNcc(measured.before), after: clampNcc(measured.after), chance: measured.chance };
  } catch (error) {
    if (isMetdbError(error) && error.kind === 'permanent') {
      deps.logger.warn(`aggregate: no NCC for job ${job.id}: ${error.message}`, { jobId: job.id });
      return { before: null, after: null };
    }
    throw error;
  }
}

/** The registration row's NCC columns. */
export function nccColumns(ncc: PairNcc): Pick<NewRegistration, 'ncc_before' | 'ncc_after' | 'ncc_chance'> {
  return {
    ncc_before: ncc.before,
    ncc_after: ncc.after,
    ncc_chance: ncc.chance === undefined ? null : clampNcc(ncc.chance.nccChance),
  };
}

/** An NCC in [-1, 1], null when not finite. */
export function clampNcc(value: number): number | null {
  return Number.isFinite(value) ? Math.min(1, Math.max(-1, value)) : null;
}
