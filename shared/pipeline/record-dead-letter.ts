import { createHash } from 'node:crypto';
import { parseAggregateMessage } from '../messages/aggregate-message.js';
import { parseOutputsMessage } from '../messages/outputs-message.js';
import { parseReprocessMessage } from '../messages/reprocess-message.js';
import { parseTileMessage } from '../messages/tile-message.js';
import type { DeadLettersTable } from '../records/database-schema.js';
import { recordDeadLetterRow } from '../records/dead-letters-repository.js';
import { getJob, noteJobError } from '../records/jobs-repository.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** A message as it arrives on the dead-letter topic. */
export interface DeadLetterDelivery {
  readonly messageId: string;
  /** The original body (JSON parsed, or the raw text). */
  readonly data: unknown;
  /** The original attributes plus Pub/Sub's `CloudPubSubDeadLetterSource*` ones. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime?: string;
  /** The last error, when the deliverer knows it (the local bus does; Pub/Sub does not). */
  readonly error?: string;
}

export interface RecordedDeadLetter {
  readonly kind: DeadLettersTable['kind'];
  readonly jobId?: string;
  readonly tileIndex?: number;
  /** False when this dead letter was recorded already (a redelivery). */
  readonly recorded: boolean;
  readonly reason: string;
}

/**
 * Makes a dead letter visible: one `dead_letters` row (what it was about, why, its payload for a
 * replay) and, for a tile or an aggregation, the job's `last_error` says so. The job is left to
 * the sweep: it re-drives the missing tile (a dead letter from a database outage is worth another
 * try) and fails the job with this reason after its re-drives. Idempotent.
 */
export async function recordDeadLetter(
  deps: PipelineDeps,
  delivery: DeadLetterDelivery,
): Promise<RecordedDeadLetter> {
  const a = delivery.attributes;
  const subscription = a.CloudPubSubDeadLetterSourceSubscription ?? null;
  const attempts = Number(a.CloudPubSubDeadLetterSourceDeliveryCount);
  const about = whatItIs(delivery.data);
  const job = about.jobId === undefined ? undefined : await getJob(deps.db, about.jobId);
  const lastError = delivery.error ?? job?.last_error ?? null;
  const reason =
    `${about.kind} message dead-lettered` +
    (Number.isFinite(attempts) ? ` after ${attempts} deliveries` : '') +
    (subscription === null ? '' : ` from ${subscription}`) +
    (lastError === null ? '' : `; last error: ${lastError}`);
  const payload = typeof delivery.data === 'string' ? delivery.data : JSON.stringify(delivery.data);
  const dedupeKey = createHash('sha256')
    .update(JSON.stringify([subscription, delivery.messageId, delivery.publishTime ?? null, payload]))
    .digest('hex');
  const recorded = await recordDeadLetterRow(deps.db, {
    dedupe_key: dedupeKey,
    topic: a.CloudPubSubDeadLetterSourceTopic ?? about.kind,
    subscription,
    message_id: delivery.messageId,
    kind: about.kind,
    job_id: job === undefined ? null : job.id,
    tile_index: about.tileIndex ?? null,
    object_name: about.objectName ?? null,
    delivery_attempts: Number.isFinite(attempts) ? attempts : null,
    reason,
    payload,
    attributes: JSON.stringify(a),
  });
  if (recorded && job !== undefined) {
    const what = about.tileIndex === undefined ? 'aggregation' : `tile ${about.tileIndex}`;
    await noteJobError(deps.db, job.id, `${what} dead-lettered: ${reason}`);
  }
  deps.logger.error(`dead letter: ${reason}`, {
    kind: about.kind,
    ...(about.jobId === undefined ? {} : { jobId: about.jobId }),
    ...(about.tileIndex === undefined ? {} : { tileIndex: about.tileIndex }),
  });
  return {
    kind: about.kind,
    ...(about.jobId === undefined ? {} : { jobId: about.jobId }),
    ...(about.tileIndex === undefined ? {} : { tileIndex: about.tileIndex }),
    recorded,
    reason,
  };
}

/** Which kind of message a dead letter is, by trying each message schema. */
function whatItIs(data: unknown): {
  kind: DeadLettersTable['kind'];
  jobId?: string;
  tileIndex?: number;
  objectName?: string;
} {
  const attempt = <T>(parse: (v: unknown) => T): T | undefined => {
    try {
      return parse(data);
    } catch {
      return undefined;
    }
  };
  const tile = attempt(parseTileMessage);
  if (tile !== undefined) return { kind: 'tile', jobId: tile.jobId, tileIndex: tile.tileIndex };
  const aggregate = attempt(parseAggregateMessage);
  if (aggregate !== undefined) return { kind: 'aggregate', jobId: aggregate.jobId };
  if (attempt(parseReprocessMessage) !== undefined) return { kind: 'reprocess' };
  // The dataset's outputs were not written; its jobs are settled, so no job error is noted.
  if (attempt(parseOutputsMessage) !== undefined) return { kind: 'outputs' };
  // A GCS notification (JSON_API_V1): the object resource.
  if (typeof data === 'object' && data !== null && typeof (data as { name?: unknown }).name === 'string') {
    const { bucket, name } = data as { bucket?: unknown; name: string };
    return { kind: 'upload', objectName: typeof bucket === 'string' ? `${bucket}/${name}` : name };
  }
  return { kind: 'unknown' };
}
