import { parseUploadEvent } from './edge/storage-parser.js';
import { runHandler } from './edge/run-handler.js';
import { ingestUpload } from '../shared/pipeline/ingest-upload.js';
import { pipelineDeps } from './deps.js';

/**
 * `ingest`: an upload (Eventarc `object.v1.finalized` or a GCS Pub/Sub notification) becomes an
 * image row, a canonical object and, when the reference is present, planned registration jobs.
 * Bad uploads end as `failed` rows and are acknowledged.
 */
export const ingest = runHandler(
  'ingest',
  parseUploadEvent,
  async (object) => {
    const result = await ingestUpload(await pipelineDeps(), object);
    return {
      outcome_detail: result.outcome,
      ...(result.imageId === undefined ? {} : { imageId: result.imageId }),
      ...(result.datasetId === undefined ? {} : { datasetId: result.datasetId }),
      ...(result.reason === undefined ? {} : { detail: result.reason }),
      jobIds: result.jobIds,
    };
  },
  { fieldsOf: (o) => ({ bucket: o.bucket, object: o.name, generation: o.generation }) },
);
