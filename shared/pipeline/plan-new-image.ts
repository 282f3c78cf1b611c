import { paramsHash } from './params-hash.js';
import type { DatasetRow, ImageRow } from '../records/database-schema.js';
import { listImages } from '../records/images-repository.js';
import { datasetReference } from './dataset-reference.js';
import { loadDatasetSettings, resolveJobParams } from './dataset-settings.js';
import { planRegistration, shapeOf, type PlanRegistrationResult } from './plan-registration.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';
import { planSeries, readingOf } from './plan-series.js';

/**
 * After `image` is ingested into `dataset` (uploaded to `uploadBucket`): once the dataset's
 * reference is present, plan the registration of this image, or, if this image is the reference,
 * of every other ingested image of the dataset. Parameters: defaults, then `<dataset>/metdb.json`.
 *
 * Idempotent: the request key of each job is `plan:<referenceId>:<movingId>:<hash of the
 * parameters>`, so re-running (a redelivered upload event, two racing ingests) plans nothing new.
 */
export async function planNewImage(
  deps: PipelineDeps,
  dataset: DatasetRow,
  image: ImageRow,
  uploadBucket: string,
): Promise<PlanRegistrationResult[]> {
  const uploads = storeOf(deps, uploadBucket);
  const settings = await loadDatasetSettings(uploads, dataset.name);
  // A time series is registered frame against frame, within itself: it needs no reference.
  const reading = image.status === 'ingested' ? await readingOf(deps, dataset, image, settings) : undefined;
  if (reading?.kind === 'series') {
    return [
      await planSeries(deps, { dataset, image, reading, patches: [settings], requestPrefix: 'series' }),
    ];
  }
  const reference = await datasetReference(deps, dataset, settings, uploads);
  if (reference === undefined) return [];
  const moving =
    reference.id === image.id
      ? (await listImages(deps.db, dataset.id, { status: 'ingested' })).filter((i) => i.id !== reference.id)
      : [image];
  const params = resolveJobParams(shapeOf(reference).length, settings);
  const results: PlanRegistrationResult[] = [];
  for (const m of moving) {
    // Series are planned on their own (above), never onto the dataset's reference.
    if (m.id !== image.id && (await readingOf(deps, dataset, m, settings)).kind === 'series') continue;
    results.push(
      await planRegistration(deps, {
        datasetId: dataset.id,
        reference,
        moving: m,
        params,
        requestKey: `plan:${reference.id}:${m.id}:${paramsHash(params)}`,
      }),
    );
  }
  return results;
}
