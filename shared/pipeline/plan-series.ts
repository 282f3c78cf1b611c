import type { SeriesSettings } from '../messages/series-settings.js';
import { resolveSeriesParams } from '../messages/series-settings.js';
import type { RegistrationParamsPatch } from '../messages/registration-params.js';
import type { DatasetRow, ImageRow } from '../records/database-schema.js';
import { readStackAs, type StackReading } from '../series/read-stack-as.js';
import { resolveJobParams, type DatasetSettings, type JobParams } from './dataset-settings.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { isAffineModel } from '../aggregation/section-transform.js';
import { planRegistration, type PlanRegistrationResult } from './plan-registration.js';
import { paramsHash } from './params-hash.js';
import { SECTION_TILING, sectionChainOf } from './section-chain.js';
import type { StackAlignmentSettings } from '../messages/stack-alignment-settings.js';

/**
 * How an ingested image of `dataset` is read (`readStackAs`): the count of the dataset's images
 * is what the runtime expects (`deps.expectedImages`, a local run's folder) or else the images
 * recorded so far that did not fail (the cloud: a lone upload is read when it is planned).
 */
export async function readingOf(
  deps: PipelineDeps,
  dataset: DatasetRow,
  image: ImageRow,
  settings: DatasetSettings,
): Promise<StackReading> {
  if ((image.depth ?? 1) <= 1) return readStackAs(image, { imagesInDataset: 1 });
  const expected = deps.expectedImages?.(dataset.name);
  const recorded =
    expected ??
    Number(
      (
        await deps.db
          .selectFrom('images')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('dataset_id', '=', dataset.id)
          .where('status', '!=', 'failed')
          .executeTakeFirst()
      )?.n ?? 1,
    );
  return readStackAs(image, {
    imagesInDataset: recorded,
    // An affine model chains the pages as sections (an MRC stack too), unless the axis is named.
    stackAxis: settings.stackAxis ?? (isAffineModel(settings.model) ? 't' : undefined),
    namedReference: settings.reference !== undefined,
  });
}

/**
 * Plans the registration of a time series (`reading.kind === 'series'`): one job whose units are
 * pairs of time bins x tiles (see series-job.ts), its series row, then the tiles on the bus
 * (`planRegistration` with `params.series`). Parameters: defaults, then the patches in order
 * (`metdb.json`, a reprocess message). With an affine `model` the frames are sections, chained
 * as `metdb align` does (section-chain.ts): each against the one before, `metdb align`'s tiling
 * unless the patches set it. Idempotent by `requestKey`.
 */
export async function planSeries(
  deps: PipelineDeps,
  input: {
    dataset: DatasetRow;
    image: ImageRow;
    reading: StackReading;
    patches: readonly ((RegistrationParamsPatch & SeriesSettings & StackAlignmentSettings) | undefined)[];
    /** The key's prefix: `series` when planned on ingest, `reprocess:<request>` on reprocessing. */
    requestPrefix: string;
    request?: { requestedBy?: string; reason?: string };
  },
): Promise<PlanRegistrationResult> {
  const { image, reading } = input;
  const resolved = resolveJobParams(reading.frameShape.length, ...input.patches);
  const sections = sectionChainOf(resolved.model, resolved.lambda, reading.frameShape, ...input.patches);
  const base = sections === undefined ? resolved : resolveJobParams(2, SECTION_TILING, ...input.patches);
  const seriesParams = resolveSeriesParams(...input.patches);
  const params: JobParams = {
    ...base,
    series: {
      ...(sections === undefined ? seriesParams : { ...seriesParams, mode: 'consecutive', binFrames: 1 }),
      frames: reading.frames,
      frameShape: [...reading.frameShape],
      referenceFrame: 0,
      ...(sections === undefined ? {} : { sections }),
    },
  };
  return planRegistration(deps, {
    datasetId: input.dataset.id,
    reference: image,
    moving: image,
    params,
    requestKey: `${input.requestPrefix}:${image.id}:${paramsHash(params)}`,
    ...(input.request === undefined ? {} : { request: input.request }),
  });
}
