/** Small builders for records tests: a migrated database with a dataset and two images. */
import type { Kysely } from 'kysely';
import type { Database } from '../../shared/records/database-schema.js';
import { getOrCreateDataset } from '../../shared/records/datasets-repository.js';
import { insertImageOrGet } from '../../shared/records/images-repository.js';
import { seededUniform } from '../../shared/random/seeded.js';

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

/** A deterministic shuffle (mulberry32) so that a failure can be replayed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededUniform(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** 20 tiles x 3 copies of each tile result for `jobId`, shuffled by `seed`. */
export function deliveries(jobId: string, seed: number, tiles = 20, copies = 3) {
  const all = Array.from({ length: tiles * copies }, (_, k) => k % tiles).map((i) => ({
    job_id: jobId,
    tile_index: i,
    region: { start: [Math.floor(i / 5) * 64, (i % 5) * 64], size: [64, 64] },
    shift_y: 1 + i / 100,
    shift_x: -2,
    peak: 0.8,
    error: 0.2,
    weight: 0.8,
    duration_ms: 5,
  }));
  return shuffled(all, seed);
}
