/** Small builders for records tests: a migrated database with a dataset and two images. */
import type { Kysely } from 'kysely';
import type { Database } from '../../shared/records/database-schema.js';
import { getOrCreateDataset } from '../../shared/records/datasets-repository.js';
import { insertImageOrGet } from '../../shared/records/images-repository.js';

export function hashOf(n: number): string {
  return n.toString(16).padStart(64, '0');
}

export async function datasetWithPair(db: Kysely<Database>, name = 'beads-2025') {
  const { dataset } = await getOrCreateDataset(db, { name });
  const image = async (n: number) =>
    (
      await insertImageOrGet(db, {
        dataset_id: dataset.id,
        source_bucket: 'raw-bucket',
        source_object: `${name}/frame_${n}.tif`,
        source_generation: `${1700000000000000 + n}`,
        content_hash: hashOf(n),
        width: 512,
        height: 512,
        pixel_type: 'uint16',
        status: 'ingested',
      })
    ).image;
  const reference = await image(1);
  const moving = await image(2);
  return { dataset, reference, moving };
}
