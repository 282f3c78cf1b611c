import type { BlobInfo } from '../ports/blob-store.js';
import { imageSourceKey } from '../records/images-repository.js';
import { storedObjectName } from '../records/upload-names.js';
import { SETTINGS_FILE } from './dataset-settings.js';
import { CANONICAL_PREFIX } from './ingest-upload.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';
import { OUTPUTS_PREFIX } from './publish-outputs.js';
import { LAYOUT_FILE } from './stitch-settings.js';
import { reingestUpload, type SweptUpload } from './reingest-upload.js';

export interface SweepUnrecordedOptions {
  /** The upload bucket to list. @default the canonical store's bucket (one bucket for everything) */
  bucket?: string;
  /** Objects written less than this long ago are left to their own notification. @default 600_000 (10 min) */
  stalledAfterMs?: number;
  /** Objects written longer ago than this are not looked at (a bucket that predates Met-db). @default 604_800_000 (7 days) */
  windowMs?: number;
  /** Uploads ingested per sweep, oldest first; the next sweep takes the rest. @default 100 */
  limit?: number;
}

/** Object names looked up in one query. */
const CHUNK = 500;

/**
 * Ingests the uploads that left no trace at all: objects of the upload bucket with no image row
 * for their current generation. Every announced upload gets a row (`ingested` or `failed`), so
 * such an object is one whose notification was lost: all its deliveries spent during a database
 * outage and never dead-lettered (the emulator's limit), or a notification Pub/Sub dropped. The
 * bucket listing is compared with the rows by `images.source_key`; ingest is idempotent by
 * bucket, object and generation, so an ingest finishing meanwhile makes this a no-op.
 *
 * Not uploads, never looked at: canonical copies (`datasets/`) and outputs (`outputs/`) where
 * the bucket is also the results bucket, settings (`metdb.json`) and mosaic layouts
 * (`TileConfiguration.txt`), which are read, not ingested into a row.
 */
export async function sweepUnrecordedUploads(
  deps: PipelineDeps,
  options: SweepUnrecordedOptions = {},
): Promise<SweptUpload[]> {
  const {
    bucket = deps.blobs.bucket,
    stalledAfterMs = 600_000,
    windowMs = 604_800_000,
    limit = 100,
  } = options;
  const now = Date.now();
  const candidates = (await storeOf(deps, bucket).list(''))
    .filter((o) => isUpload(o.key, bucket === deps.blobs.bucket))
    .filter((o) => {
      const at = o.updated?.getTime();
      return at === undefined || (at <= now - stalledAfterMs && at >= now - windowMs);
    })
    .sort((a, b) => (a.updated?.getTime() ?? 0) - (b.updated?.getTime() ?? 0));
  const unrecorded: BlobInfo[] = [];
  for (let i = 0; i < candidates.length && unrecorded.length < limit; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    const keyOf = (o: BlobInfo) => imageSourceKey(bucket, storedObjectName(o.key).name, o.generation);
    const recorded = new Set(
      (
        await deps.db
          .selectFrom('images')
          .select('source_key')
          .where('source_key', 'in', chunk.map(keyOf))
          .execute()
      ).map((r) => r.source_key),
    );
    unrecorded.push(...chunk.filter((o) => !recorded.has(keyOf(o))));
  }
  const swept: SweptUpload[] = [];
  for (const object of unrecorded.slice(0, limit)) {
    const { key: name, generation, size } = object;
    swept.push(await reingestUpload(deps, { bucket, name, generation, size }, 'unrecorded'));
  }
  return swept;
}

/** Whether an object of the upload bucket is an upload that must end as an image row. */
function isUpload(key: string, sharesResults: boolean): boolean {
  if (key.startsWith(CANONICAL_PREFIX)) return false;
  if (sharesResults && key.startsWith(OUTPUTS_PREFIX)) return false;
  const base = key.slice(key.lastIndexOf('/') + 1);
  return base !== SETTINGS_FILE && base !== LAYOUT_FILE;
}
