import { ingestUpload, type IngestResult } from '../shared/pipeline/ingest-upload.js';
import type { PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import { imageSourceKey } from '../shared/records/images-repository.js';
import type { DatasetFolderStore } from './dataset-folder-store.js';

/** What became of one file of a local run. */
export interface FileOutcome {
  readonly file: string;
  readonly outcome: IngestResult['outcome'];
  readonly imageId?: string;
  readonly reason?: string;
  /** How the file was read, e.g. "5 frames (t) of 201 x 199, uint16" (`describeReading`). */
  readonly readAs?: string;
}

/**
 * Ingests one file of the input folder as an upload to its dataset: the shared `ingestUpload`
 * use case, fed the event a bucket would send (object name `<dataset>/<file>`, its generation
 * and size), with an idempotency key of `local:` and the object's identity. Bad files come back
 * `failed` with their reason (recorded in the database); only transient errors throw.
 */
export async function ingestFile(
  deps: PipelineDeps,
  uploads: DatasetFolderStore,
  file: string,
): Promise<FileOutcome> {
  const name = uploads.objectName(file);
  const info = await uploads.head(name);
  if (info === undefined) return { file, outcome: 'ignored', reason: 'the file disappeared' };
  const result = await ingestUpload(deps, {
    kind: 'finalized',
    bucket: uploads.bucket,
    name,
    generation: info.generation,
    size: info.size,
    idempotencyKey: `local:${imageSourceKey(uploads.bucket, name, info.generation)}`,
  });
  return {
    file,
    outcome: result.outcome,
    ...(result.imageId === undefined ? {} : { imageId: result.imageId }),
    ...(result.reason === undefined ? {} : { reason: result.reason }),
  };
}
