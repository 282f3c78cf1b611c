import { decodeChannels } from '../imaging/image-channels.js';
import { blobSink } from '../outputs/blob-sink.js';
import { collectImageResults } from '../outputs/collect-image-results.js';
import { writeOutputs, type WrittenOutputs } from '../outputs/write-outputs.js';
import { getDataset } from '../records/datasets-repository.js';
import { getImage } from '../records/images-repository.js';
import { listJobs } from '../records/jobs-repository.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface PublishOutputsResult {
  readonly published: boolean;
  /** `outputs/<datasetId>/v<version>/`: where the outputs went (when published). */
  readonly prefix?: string;
  readonly outputs?: WrittenOutputs;
  /** Why nothing was written (jobs still running, no job yet). */
  readonly reason?: string;
}

/**
 * The cloud's counterpart of a local run's outputs: once no job of the dataset is pending or
 * running, writes the dataset's shift table, registered images, OME-Zarr series, stacked average
 * and QC report (`writeOutputs`) to the results bucket under `outputs/<datasetId>/v<version>/`,
 * `version` the highest job version of the dataset (a reprocess gives a new prefix; earlier
 * outputs stay). Idempotent: every object is created only if absent (`blobSink`), and its bytes
 * come from the records alone (the report's time is the last job's finish), so a retried
 * delivery finds the same objects and rewrites nothing.
 */
export async function publishOutputs(
  deps: Pick<PipelineDeps, 'db' | 'blobs'>,
  datasetId: string,
): Promise<PublishOutputsResult> {
  const dataset = await getDataset(deps.db, datasetId);
  if (dataset === undefined) return { published: false, reason: `no dataset ${datasetId}` };
  const jobs = await listJobs(deps.db, datasetId);
  if (jobs.length === 0) return { published: false, reason: 'no registration job yet' };
  const busy = jobs.filter((j) => j.state !== 'done' && j.state !== 'failed');
  if (busy.length > 0) return { published: false, reason: `${busy.length} job(s) still in progress` };
  const version = Math.max(...jobs.map((j) => j.version));
  const finished = jobs.map((j) => j.finished_at ?? j.updated_at).sort();
  const prefix = `outputs/${datasetId}/v${version}/`;
  const folder = `${dataset.name}/`;
  const results = (await collectImageResults(deps.db, datasetId)).map((r) => ({
    ...r,
    file: r.file.startsWith(folder) ? r.file.slice(folder.length) : r.file,
  }));
  const outputs = await writeOutputs(blobSink(deps.blobs, prefix), results, {
    dataset: dataset.name,
    readImage: async (r) => {
      const image = await getImage(deps.db, r.imageId);
      const bytes = image === undefined ? undefined : await deps.blobs.get(image.storage_path);
      return bytes === undefined ? undefined : decodeChannels(bytes);
    },
    finishedAt: new Date(finished[finished.length - 1]!),
    facts: { 'job version': String(version) },
  });
  return { published: true, prefix, outputs };
}
