import type { PipelineDeps } from './pipeline-deps.js';
import { reingestUpload, type SweptUpload, type UploadObject } from './reingest-upload.js';
import { sweepUnrecordedUploads } from './sweep-unrecorded-uploads.js';

export interface SweepUploadsOptions {
  /** An image row still `received` this long after its last change is stalled. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Dead-lettered uploads older than this are left to a human (docs/operations.md). @default 86_400_000 (1 day) */
  deadLetterWindowMs?: number;
  /** Uploads looked at per sweep, oldest first. @default 100 */
  limit?: number;
  /**
   * The upload bucket, listed for objects with no image row at all (`sweepUnrecordedUploads`).
   * @default none: the bucket is not listed
   */
  uploadBucket?: string;
}

export type { SweptUpload };

/**
 * Ingests again the uploads whose ingest never finished, so none is lost: an ingest that died
 * after claiming its row (a function killed, the database gone) leaves it `received`; one whose
 * retries were all spent before any row was written (a database outage longer than the retries)
 * left only a dead letter of kind `upload`. Ingest is idempotent by bucket, object and generation,
 * so a slow ingest that finishes meanwhile makes this a no-op. One upload's error does not stop
 * the others (it is reported, and tried again by the next sweep). With `uploadBucket`, the
 * uploads that left no trace at all (no row, no dead letter) are found by listing the bucket.
 */
export async function sweepStalledUploads(
  deps: PipelineDeps,
  options: SweepUploadsOptions = {},
): Promise<SweptUpload[]> {
  const { stalledAfterMs = 600_000, deadLetterWindowMs = 86_400_000, limit = 100, uploadBucket } = options;
  const staleBefore = new Date(Date.now() - stalledAfterMs).toISOString();
  const received = await deps.db
    .selectFrom('images')
    .select(['source_bucket', 'source_object', 'source_generation', 'byte_size'])
    .where('status', '=', 'received')
    .where('updated_at', '<=', staleBefore)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  const uploads: { object: UploadObject; cause: SweptUpload['cause'] }[] = received.map((r) => ({
    object: {
      bucket: r.source_bucket,
      name: r.source_object,
      generation: r.source_generation,
      size: r.byte_size ?? 0,
    },
    cause: 'received',
  }));
  const letters = await deps.db
    .selectFrom('dead_letters')
    .select('payload')
    .where('kind', '=', 'upload')
    .where('received_at', '<=', staleBefore)
    .where('received_at', '>=', new Date(Date.now() - deadLetterWindowMs).toISOString())
    .orderBy('received_at')
    .limit(limit)
    .execute();
  for (const letter of letters) {
    const object = objectOf(letter.payload);
    if (object === undefined) continue;
    const row = await deps.db
      .selectFrom('images')
      .select('id')
      .where('source_bucket', '=', object.bucket)
      .where('source_object', '=', object.name)
      .where('source_generation', '=', object.generation)
      .executeTakeFirst();
    if (row === undefined) uploads.push({ object, cause: 'dead-lettered' });
  }
  const swept: SweptUpload[] = [];
  for (const { object, cause } of uploads) swept.push(await reingestUpload(deps, object, cause));
  if (uploadBucket !== undefined)
    swept.push(...(await sweepUnrecordedUploads(deps, { bucket: uploadBucket, stalledAfterMs, limit })));
  return swept;
}

/** The upload a dead-lettered GCS notification (its JSON_API_V1 object resource) was about. */
function objectOf(payload: string): UploadObject | undefined {
  try {
    const r = JSON.parse(payload) as {
      bucket?: unknown;
      name?: unknown;
      generation?: unknown;
      size?: unknown;
    };
    if (typeof r.bucket !== 'string' || typeof r.name !== 'string') return undefined;
    if (typeof r.generation !== 'string' && typeof r.generation !== 'number') return undefined;
    return { bucket: r.bucket, name: r.name, generation: String(r.generation), size: Number(r.size) || 0 };
  } catch {
    return undefined;
  }
}
