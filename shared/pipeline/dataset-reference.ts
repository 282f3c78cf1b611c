import type { DatasetRow, ImageRow } from '../records/database-schema.js';
import { getDataset } from '../records/datasets-repository.js';
import { getImage, listImages } from '../records/images-repository.js';
import { toDatabaseError } from '../records/database-error.js';
import { nowIso } from '../records/validate-row.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { DatasetSettings } from './dataset-settings.js';
import { middleImageFile, MIDDLE_REFERENCE } from './middle-reference.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { naturalCompare } from '../series/natural-compare.js';

/**
 * The dataset's reference image once it is ingested, else `undefined`. The choice is made once
 * and kept in `datasets.reference_image_id` (set by compare-and-set, so concurrent ingests agree):
 * - `settings.reference` names it (object name relative to the dataset folder): that image, once
 *   ingested;
 * - `"middle"`: the middle of the image files in the dataset's upload folder at the time
 *   (`middleImageFile`: n/2 of n in natural order), once ingested; no reference while the folder
 *   holds no image file;
 * - otherwise the ingested image whose object name sorts first (natural order: `A1_2` before
 *   `A1_10`, as `naturalCompare`) when the first
 *   candidate is present. Upload the reference first, or name it in `metdb.json`, for a choice that
 *   does not depend on arrival order.
 */
export async function datasetReference(
  deps: PipelineDeps,
  dataset: DatasetRow,
  settings: DatasetSettings,
  uploads: BlobStore = deps.blobs,
): Promise<ImageRow | undefined> {
  const chosen = dataset.reference_image_id;
  if (chosen !== null) {
    const image = await getImage(deps.db, chosen);
    return image?.status === 'ingested' ? image : undefined;
  }
  const ingested = await listImages(deps.db, dataset.id, { status: 'ingested' });
  const prefix = `${dataset.name}/`;
  const named =
    settings.reference === MIDDLE_REFERENCE ? await middleUpload(uploads, prefix) : settings.reference;
  if (settings.reference !== undefined && named === undefined) return undefined;
  const candidate =
    named === undefined
      ? ingested.sort((a, b) => naturalCompare(a.source_object, b.source_object) || compare(a.id, b.id))[0]
      : ingested.find((i) => i.source_object === `${prefix}${named}`);
  if (candidate === undefined) return undefined;
  await claimReference(deps, dataset.id, candidate.id);
  const now = await getDataset(deps.db, dataset.id);
  if (now?.reference_image_id === candidate.id) return candidate;
  if (now?.reference_image_id == null) return undefined;
  const other = await getImage(deps.db, now.reference_image_id);
  return other?.status === 'ingested' ? other : undefined;
}

/** The middle image file directly in the upload folder `prefix` (undefined: none there). */
async function middleUpload(uploads: BlobStore, prefix: string): Promise<string | undefined> {
  const names = (await uploads.list(prefix))
    .map((o) => o.key.slice(prefix.length))
    .filter((name) => !name.includes('/'));
  return middleImageFile(names);
}

/** Sets the dataset's reference if none is set yet; whoever comes first wins. */
async function claimReference(deps: PipelineDeps, datasetId: string, imageId: string): Promise<void> {
  try {
    await deps.db
      .updateTable('datasets')
      .set({ reference_image_id: imageId, updated_at: nowIso() })
      .where('id', '=', datasetId)
      .where('reference_image_id', 'is', null)
      .execute();
  } catch (error) {
    throw toDatabaseError(error, 'claim dataset reference');
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
