import type { Kysely } from 'kysely';
import type { Logger } from '../logging/logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Bus, TopicName } from '../ports/bus.js';
import type { Database } from '../records/database-schema.js';
import type { DecodedImage } from '../imaging/image-info.js';
import { DEFAULT_MAX_BYTES } from '../imaging/decode-options.js';
import { DEFAULT_MAX_PIXELS_PER_IMAGE } from './memory-budget.js';

/** Upload limits checked by `ingestUpload` before and while decoding. */
export interface PipelineLimits {
  /** Largest accepted upload, bytes. @default DEFAULT_MAX_BYTES (2^31 - 1) */
  maxBytes: number;
  /**
   * Largest accepted image, voxels (width x height x depth), checked on the header before any
   * decoding. @default DEFAULT_MAX_PIXELS_PER_IMAGE (1e8: fits the functions' memory, memory-budget.ts)
   */
  maxPixels: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxBytes: DEFAULT_MAX_BYTES,
  maxPixels: DEFAULT_MAX_PIXELS_PER_IMAGE,
};

/**
 * The limits from the environment: `METDB_MAX_UPLOAD_BYTES`, `METDB_MAX_PIXELS` (the IaC sets the
 * latter with each function's memory); unset, empty or not a positive number: the defaults.
 */
export function pipelineLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): PipelineLimits {
  return {
    maxBytes: positive(env.METDB_MAX_UPLOAD_BYTES) ?? DEFAULT_PIPELINE_LIMITS.maxBytes,
    maxPixels: positive(env.METDB_MAX_PIXELS) ?? DEFAULT_PIPELINE_LIMITS.maxPixels,
  };
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Everything the use cases of `shared/pipeline` need, as ports only (no cloud type): the Cloud
 * Functions build it from the environment once per instance (functions/deps.ts), the local runner
 * from a folder, SQLite and its in-process bus.
 */
export interface PipelineDeps {
  readonly db: Kysely<Database>;
  /** The store of canonical images (`datasets/<datasetId>/images/<imageId>.<ext>`): the results bucket. */
  readonly blobs: BlobStore;
  /**
   * The store of an upload bucket, by name (uploads arrive from buckets named by their events).
   * @default () => blobs (one bucket, or one folder, for everything)
   */
  readonly bucket?: (name: string) => BlobStore;
  readonly bus: Bus;
  readonly logger: Logger;
  /**
   * The logical topics the use cases publish to. The `Bus` maps logical names to the deployment's
   * topic ids, so these are normally `'tiles'` and `'aggregate'` (and a mosaic's `'edges'` and
   * `'mosaics'`, their defaults). `outputs`: where `aggregateAndAnnounce` announces a settled job
   * so that the dataset's outputs get written (the cloud's `publishOutputs` function); absent,
   * nothing is announced (a local run writes its outputs itself). @default none
   */
  readonly topics: {
    readonly tiles: TopicName;
    readonly aggregate: TopicName;
    readonly edges?: TopicName;
    readonly mosaics?: TopicName;
    readonly outputs?: TopicName;
  };
  readonly limits: PipelineLimits;
  /**
   * Told of each single-channel image `ingestUpload` decoded and stored, before it plans the
   * image's registration: the key of its canonical copy in `blobs` and its pixels, exactly what
   * decoding that copy with channel 0 gives (the local runner hands them to its workers, which
   * then need not decode the copy again). With a listener, images are decoded into shared memory
   * (`DecodeOptions.sharedMemory`), so that handing them over copies nothing. @default none
   */
  readonly onImageDecoded?: (canonicalKey: string, image: DecodedImage) => void;
  /**
   * How many images a dataset will hold, when the runtime knows it beforehand (a local run lists
   * its folder): a multi-page file without axis metadata is a time series only when it is the
   * only image of its dataset (`readStackAs`). @default the images recorded so far
   */
  readonly expectedImages?: (datasetName: string) => number | undefined;
}

/** The store holding `bucket` (the canonical store when the name is its own or none is given). */
export function storeOf(deps: Pick<PipelineDeps, 'blobs' | 'bucket'>, bucket?: string): BlobStore {
  if (bucket === undefined || bucket === deps.blobs.bucket || deps.bucket === undefined) return deps.blobs;
  return deps.bucket(bucket);
}
