import { outputsMessageAttributes, type OutputsMessage } from '../messages/outputs-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { JobRow } from '../records/database-schema.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * Tells the `outputs` topic that `job` has settled (`done` or `failed`), so that the dataset's
 * outputs get written once none of its jobs is in progress (`publishOutputs`). Returns the message
 * id, or undefined when the deployment has no outputs topic (a local run writes its own outputs)
 * or the job has not settled.
 *
 * At least once: `aggregateAndAnnounce` announces after the aggregation, and again on every redelivery
 * that finds the job settled (it cannot know whether the first announcement went out), which the
 * consumer's idempotence absorbs.
 */
export async function announceOutputs(
  deps: Pick<PipelineDeps, 'bus' | 'topics'>,
  job: Pick<JobRow, 'id' | 'dataset_id'>,
  state: JobRow['state'],
): Promise<string | undefined> {
  const topic = deps.topics.outputs;
  if (topic === undefined || (state !== 'done' && state !== 'failed')) return undefined;
  const message: OutputsMessage = { schemaVersion: SCHEMA_VERSION, datasetId: job.dataset_id, jobId: job.id };
  return deps.bus.publish(topic, message, outputsMessageAttributes(message));
}
