import { isMetdbError } from '../errors/metdb-error.js';
import type { FinalizedObject } from '../messages/storage-event.js';
import { ingestUpload, type IngestResult } from './ingest-upload.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** An upload the sweep ingested again, and why. */
export interface SweptUpload {
  /** `<bucket>/<object>#<generation>` */
  readonly upload: string;
  /**
   * Why it was picked: its row stayed `received`; its notification was dead-lettered with no row
   * made; or the object is in the bucket with no row at all (`sweepUnrecordedUploads`).
   */
  readonly cause: 'received' | 'dead-lettered' | 'unrecorded';
  readonly outcome: IngestResult['outcome'] | 'error';
  readonly reason?: string;
}

/** The upload to ingest again: the object's generation as its notification would give it. */
export type UploadObject = Pick<FinalizedObject, 'bucket' | 'name' | 'generation' | 'size'>;

/**
 * Ingests an upload again (as its notification would, same idempotency key) for a sweep, and
 * logs it. Any error but the database's is the upload's own: reported, left to the next sweep.
 *
 * @throws MetdbError 'unavailable' (the database): the whole sweep retries
 */
export async function reingestUpload(
  deps: PipelineDeps,
  object: UploadObject,
  cause: SweptUpload['cause'],
): Promise<SweptUpload> {
  const upload = `${object.bucket}/${object.name}#${object.generation}`;
  try {
    const result = await ingestUpload(deps, {
      kind: 'finalized',
      ...object,
      idempotencyKey: `gcs:${upload}`,
    });
    const what = cause === 'unrecorded' ? 'had no image row, ingested' : `ingested again (${cause})`;
    deps.logger.warn(`sweep: upload ${upload} ${what}: ${result.outcome}`, {
      upload,
      outcome: result.outcome,
    });
    return { upload, cause, outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}) };
  } catch (error) {
    if (isMetdbError(error) && error.code === 'unavailable') throw error;
    return {
      upload,
      cause,
      outcome: 'error',
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}
