import { decodeChannels } from '../imaging/image-channels.js';
import { blobSink } from '../outputs/blob-sink.js';
import { collectImageResults } from '../outputs/collect-image-results.js';
import { collectSeriesResults } from '../outputs/collect-series-results.js';
import { writeOutputs, type WrittenOutputs } from '../outputs/write-outputs.js';
import {
  stackQualities,
  writeSeriesOutputs,
  writtenSeriesFiles,
  type WrittenSeriesFiles,
} from '../outputs/write-series-outputs.js';
import { getDataset } from '../records/datasets-repository.js';
import { getImage } from '../records/images-repository.js';
import { listJobs } from '../records/jobs-repository.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** Every output object of the cloud is under this prefix of the results bucket. */
export const OUTPUTS_PREFIX = 'outputs/';

/** The object written last under a snapshot's prefix: its presence means the snapshot is whole. */
export const OUTPUTS_MANIFEST = 'outputs.json';

export interface PublishOutputsResult {
  readonly published: boolean;
  /** `outputs/<datasetId>/v<version>/r<revision>/`: where the outputs are (when published). */
  readonly prefix?: string;
  /** What this call wrote (absent when the snapshot was already whole and nothing was redone). */
  readonly outputs?: WrittenOutputs;
  /** Each solved series' drift table and corrected stack (with `outputs`). */
  readonly series?: readonly WrittenSeriesFiles[];
  /** True when an earlier delivery had already written the whole snapshot (its manifest is there). */
  readonly alreadyWritten?: boolean;
  /** Why nothing was written (jobs still running, no job yet). */
  readonly reason?: string;
}

/**
 * The cloud's counterpart of a local run's outputs: once no job of the dataset is pending or
 * running, writes the dataset's shift table, registered images, OME-Zarr series, stacked average
 * and QC report (`writeOutputs`), and each time series' `drift.csv`, `drift.json` and corrected
 * stack (`writeSeriesOutputs`), the same bytes as a local run, to the results bucket under
 * `outputs/<datasetId>/v<version>/r<revision>/`, then `outputs.json` (the manifest) last.
 *
 * - `version`: the highest job version of the dataset (a reprocess gives a new one; earlier
 *   outputs stay).
 * - `revision`: the number of the dataset's jobs, all versions. Uploads arrive one by one, so a
 *   dataset may settle, then grow: every new image or version adds a job, so each state of the
 *   records gets its own prefix, and the newest outputs are under the highest version, then the
 *   highest revision.
 *
 * Idempotent: the prefix and every byte come from the records alone (the report's time is the
 * last job's finish), and objects are created only if absent (`blobSink`, what
 * `roles/storage.objectCreator` allows), so a retried delivery writes the same objects; one that
 * finds the manifest does nothing.
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
  const revision = jobs.length;
  const prefix = `${OUTPUTS_PREFIX}${datasetId}/v${version}/r${revision}/`;
  if ((await deps.blobs.head(`${prefix}${OUTPUTS_MANIFEST}`)) !== undefined)
    return { published: true, prefix, alreadyWritten: true };
  const finished = jobs.map((j) => j.finished_at ?? j.updated_at).sort();
  const finishedAt = finished[finished.length - 1]!;
  const folder = `${dataset.name}/`;
  const inFolder = <T extends { file: string }>(r: T): T => ({
    ...r,
    file: r.file.startsWith(folder) ? r.file.slice(folder.length) : r.file,
  });
  const results = (await collectImageResults(deps.db, datasetId)).map(inFolder);
  const series = (await collectSeriesResults(deps.db, datasetId)).map(inFolder);
  const readImage = async (imageId: string) => {
    const image = await getImage(deps.db, imageId);
    const bytes = image === undefined ? undefined : await deps.blobs.get(image.storage_path);
    return bytes === undefined ? undefined : decodeChannels(bytes);
  };
  const sink = blobSink(deps.blobs, prefix);
  const seriesOutputs = await writeSeriesOutputs(sink, series, { readImage: (s) => readImage(s.imageId) });
  const outputs = await writeOutputs(sink, results, {
    dataset: dataset.name,
    series,
    stacks: stackQualities(seriesOutputs),
    readImage: (r) => readImage(r.imageId),
    finishedAt: new Date(finishedAt),
    facts: { 'job version': String(version) },
  });
  const manifest = {
    schemaVersion: 1,
    datasetId,
    dataset: dataset.name,
    version,
    revision,
    finishedAt,
    jobs: jobs.map((j) => ({ id: j.id, version: j.version, state: j.state })),
    outputs,
    series: seriesOutputs.map(writtenSeriesFiles),
  };
  await sink.write(OUTPUTS_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return { published: true, prefix, outputs, series: manifest.series };
}
