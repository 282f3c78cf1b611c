import { MetdbError } from '../errors/metdb-error.js';
import type { ReprocessMessage } from '../messages/reprocess-message.js';
import type { DatasetRow, ImageRow } from '../records/database-schema.js';
import { getDataset } from '../records/datasets-repository.js';
import { getImage, listImages } from '../records/images-repository.js';
import { loadDatasetSettings, resolveJobParams } from './dataset-settings.js';
import { planRegistration, shapeOf, type PlanRegistrationResult } from './plan-registration.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';
import { latestJobFor } from '../records/jobs-repository.js';
import { planSeries } from './plan-series.js';
import { seriesJobOf } from './series-job.js';

export interface ReprocessResult {
  readonly jobIds: string[];
  /** Images named by the message that could not be planned, with why. */
  readonly skipped: { imageId: string; reason: string }[];
}

/**
 * Plans new job versions for a dataset (every ingested image but the reference) or for some
 * images, with the message's parameters over the dataset's `metdb.json` over the defaults. Earlier
 * jobs and results stay.
 *
 * Idempotent per request: each job's request key is `reprocess:<requestKey>:<imageId>`, with
 * `requestKey` the message's `requestId`, else `eventId` (the Pub/Sub message id: covers
 * redeliveries, not republishing). Images not ingested, or whose dataset has no reference yet,
 * are reported in `skipped`; an unknown dataset is a permanent `not-found`.
 */
export async function reprocessDataset(
  deps: PipelineDeps,
  message: ReprocessMessage,
  eventId: string,
): Promise<ReprocessResult> {
  const requestKey = message.requestId ?? `message:${eventId}`;
  const skipped: ReprocessResult['skipped'] = [];
  const byDataset = new Map<string, { dataset: DatasetRow; images: ImageRow[] }>();
  if ('datasetId' in message) {
    const dataset = await getDataset(deps.db, message.datasetId);
    if (dataset === undefined) {
      throw new MetdbError('not-found', `reprocess: no dataset ${message.datasetId}`, {
        details: { datasetId: message.datasetId },
      });
    }
    byDataset.set(dataset.id, {
      dataset,
      images: await listImages(deps.db, dataset.id, { status: 'ingested' }),
    });
  } else {
    for (const imageId of message.imageIds) {
      const image = await getImage(deps.db, imageId);
      if (image === undefined || image.status !== 'ingested') {
        skipped.push({ imageId, reason: image === undefined ? 'no such image' : `image is ${image.status}` });
        continue;
      }
      let entry = byDataset.get(image.dataset_id);
      if (entry === undefined) {
        const dataset = await getDataset(deps.db, image.dataset_id);
        if (dataset === undefined) continue;
        entry = { dataset, images: [] };
        byDataset.set(dataset.id, entry);
      }
      entry.images.push(image);
    }
  }
  const request = {
    ...(message.requestedBy === undefined ? {} : { requestedBy: message.requestedBy }),
    ...(message.reason === undefined ? {} : { reason: message.reason }),
    requestKey,
  };
  const jobs: PlanRegistrationResult[] = [];
  for (const entry of byDataset.values()) {
    // Time series: a new version of their own job, with the message's series settings.
    const { dataset } = entry;
    const others: ImageRow[] = [];
    for (const image of entry.images) {
      const latest = await latestJobFor(deps.db, dataset.id, image.id);
      const series = latest === undefined ? undefined : seriesJobOf(latest.parameters);
      if (series === undefined) {
        others.push(image);
        continue;
      }
      const settings = await loadDatasetSettings(storeOf(deps, image.source_bucket), dataset.name);
      jobs.push(
        await planSeries(deps, {
          dataset,
          image,
          reading: { kind: 'series', frames: series.frames, frameShape: series.frameShape },
          patches: [settings, message.params],
          requestPrefix: `reprocess:${requestKey}`,
          request,
        }),
      );
    }
    entry.images = others;
  }
  for (const { dataset, images } of byDataset.values()) {
    if (images.length === 0) continue;
    const reference =
      dataset.reference_image_id === null ? undefined : await getImage(deps.db, dataset.reference_image_id);
    if (reference === undefined || reference.status !== 'ingested') {
      for (const image of images)
        skipped.push({ imageId: image.id, reason: 'the dataset has no ingested reference yet' });
      continue;
    }
    const uploads = storeOf(deps, reference.source_bucket);
    const settings = await loadDatasetSettings(uploads, dataset.name);
    const params = resolveJobParams(shapeOf(reference).length, settings, message.params);
    for (const image of images) {
      if (image.id === reference.id) {
        if (!('datasetId' in message))
          skipped.push({ imageId: image.id, reason: "the image is its dataset's reference" });
        continue;
      }
      jobs.push(
        await planRegistration(deps, {
          datasetId: dataset.id,
          reference,
          moving: image,
          params,
          requestKey: `reprocess:${requestKey}:${image.id}`,
          request,
        }),
      );
    }
  }
  return { jobIds: jobs.map((j) => j.jobId), skipped };
}
