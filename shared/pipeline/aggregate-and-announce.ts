import { getJob } from '../records/jobs-repository.js';
import { aggregateJob, type AggregateJobResult } from './aggregate-job.js';
import { announceOutputs } from './announce-outputs.js';
import { decodedImages, type DecodedImageCache } from './decoded-image-cache.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * The `aggregate` function's use case: `aggregateJob`, then, when the job has settled (`done` or
 * `failed`, by this call or an earlier one), its announcement on the outputs topic
 * (`announceOutputs`), so that the dataset's outputs get written. The announcement follows the
 * aggregation's transaction, and a redelivery that finds the job settled announces again: the
 * first announcement may have been lost, and the outputs' writer is idempotent.
 */
export async function aggregateAndAnnounce(
  deps: PipelineDeps,
  input: { jobId: string },
  cache: DecodedImageCache = decodedImages,
): Promise<AggregateJobResult & { readonly announced?: string }> {
  const result = await aggregateJob(deps, input, cache);
  if (deps.topics.outputs === undefined || (result.state !== 'done' && result.state !== 'failed'))
    return result;
  const job = await getJob(deps.db, input.jobId);
  const announced = job === undefined ? undefined : await announceOutputs(deps, job, result.state);
  return announced === undefined ? result : { ...result, announced };
}
