import { createHash } from 'node:crypto';
import { isMetdbError } from '../errors/metdb-error.js';
import { decodeImage } from '../imaging/decode-image.js';
import { detectImageFormat } from '../imaging/image-format.js';
import type { DecodedImage } from '../imaging/image-info.js';
import type { PixelSize } from '../imaging/pixel-size.js';
import { inspectImage } from '../imaging/inspect-image.js';
import type { FinalizedObject } from '../messages/storage-event.js';
import type { ImageRow } from '../records/database-schema.js';
import { getOrCreateDataset } from '../records/datasets-repository.js';
import {
  insertImageOrGet,
  updateImage,
  type ImagePatch,
  type NewImage,
} from '../records/images-repository.js';
import { folderNameProblem, storedObjectName } from '../records/upload-names.js';
import { loadDatasetSettings, SETTINGS_FILE } from './dataset-settings.js';
import { planStitching, type PlanStitchingResult } from './plan-stitching.js';
import { LAYOUT_FILE } from './stitch-settings.js';
import { planNewImage } from './plan-new-image.js';
import { fileAxes } from '../series/file-axes.js';
import { OUTPUTS_PREFIX } from './publish-outputs.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';

/** Objects under this prefix are Met-db's canonical copies, never uploads. */
export const CANONICAL_PREFIX = 'datasets/';
/** Dataset of objects that are not inside a dataset folder (recorded as failed there). */
export const UNSORTED_DATASET = '_unsorted';

export interface IngestResult {
  readonly outcome: 'ingested' | 'duplicate' | 'failed' | 'ignored';
  readonly imageId?: string;
  readonly datasetId?: string;
  /** Why the upload failed or was ignored. */
  readonly reason?: string;
  /** Jobs planned (or found already planned) by this call. */
  readonly jobIds: string[];
  /** For a mosaic dataset (`"stitch"` in metdb.json, or a TileConfiguration.txt): its stitching. */
  readonly mosaic?: PlanStitchingResult;
}

/**
 * Ingests one finalized upload: validates it (size, format by magic bytes, header limits,
 * decodable), records the image row (ID, canonical path, content hash), writes the canonical
 * object `datasets/<datasetId>/images/<imageId>.<ext>` (create-only) and plans registration when
 * the dataset's reference is present (see `planNewImage`).
 *
 * - Bad input never throws: the row ends `failed` with the reason, and the result says so.
 * - Idempotent: a redelivered event finds its row by (bucket, object, generation); the same bytes
 *   under another name find the row by content hash; neither creates anything. A redelivery of an
 *   ingested upload plans again, which plans nothing new.
 * - Ignored: canonical copies (`datasets/...`), settings files (`metdb.json`), an object already
 *   overwritten by a newer generation or deleted (its own event covers it).
 * Transient errors (database, storage) are rethrown for a retry.
 */
export async function ingestUpload(deps: PipelineDeps, object: FinalizedObject): Promise<IngestResult> {
  const { bucket, name, generation, size } = object;
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (name.startsWith(CANONICAL_PREFIX)) return ignored('a canonical copy, not an upload');
  // Where uploads and results share a bucket (the dev stack), the outputs are announced too.
  if (name.startsWith(OUTPUTS_PREFIX) && bucket === deps.blobs.bucket)
    return ignored('an output (outputs/), not an upload');
  if (base === SETTINGS_FILE || base.toLowerCase().endsWith('.txt')) {
    const stitching = await stitchingFileArrived(deps, object);
    if (stitching !== undefined) return stitching;
  }
  if (base === SETTINGS_FILE) return ignored('dataset settings, not an image');
  // A name a row cannot hold is stored shortened (and fails); nothing else reads a bad name.
  const stored = storedObjectName(name);
  const folder = datasetFolderOf(stored.name);
  const { dataset } = await getOrCreateDataset(deps.db, { name: folder.dataset });
  const row: NewImage = {
    dataset_id: dataset.id,
    source_bucket: bucket,
    source_object: stored.name,
    source_generation: generation,
    byte_size: size,
  };
  // A mosaic whose tile failed is failed: whichever upload comes last records it.
  const stitched = async (result: IngestResult): Promise<IngestResult> => {
    if (folder.problem !== undefined) return result;
    const mosaic = await planStitching(deps, dataset, bucket);
    return mosaic.mosaic ? { ...result, mosaic } : result;
  };
  const fail = async (reason: string, extra: Partial<NewImage> = {}) =>
    stitched(await recordFailure(deps, row, reason, extra));
  if (stored.problem !== undefined) return fail(`object name ${stored.problem} (stored as ${stored.name})`);
  if (folder.problem !== undefined) return fail(folder.problem);
  if (size === 0) return fail('empty object (0 bytes)');
  if (size > deps.limits.maxBytes)
    return fail(`object of ${size} bytes exceeds the ${deps.limits.maxBytes}-byte limit`);

  const store = storeOf(deps, bucket);
  let bytes: Uint8Array | undefined;
  try {
    const head = await store.head(name);
    if (head === undefined) return ignored('the object no longer exists');
    if (head.generation !== generation)
      return ignored(`the object was overwritten (generation ${head.generation})`);
    bytes = await store.get(name);
  } catch (error) {
    // e.g. a name the local folder refuses (`..` segments): a bad upload, not a retry
    if (isMetdbError(error) && error.kind === 'permanent') return fail(error.message);
    throw error;
  }
  if (bytes === undefined) return ignored('the object no longer exists');
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  const format = detectImageFormat(bytes);
  const inserted = await insertImageOrGet(deps.db, {
    ...row,
    byte_size: bytes.length,
    content_hash: contentHash,
    ...(format === undefined
      ? {}
      : { format: format === 'tiff' ? 'tif' : format === 'jpeg' ? 'jpg' : format }),
  });
  let image = inserted.image;
  if (!inserted.created && (inserted.duplicateOf === 'content' || image.status === 'failed')) {
    return {
      outcome: inserted.duplicateOf === 'content' ? 'duplicate' : 'failed',
      imageId: image.id,
      datasetId: dataset.id,
      ...(image.failure_reason === null ? {} : { reason: image.failure_reason }),
      jobIds: [],
    };
  }
  if (image.status === 'received') {
    const validated = await validate(deps, bytes);
    if (typeof validated === 'string') return stitched(await markFailed(deps, image, validated));
    try {
      await deps.blobs.put(image.storage_path, bytes, {
        ifGenerationMatch: 0,
        metadata: { imageId: image.id, source: `${bucket}/${name}#${generation}` },
      });
    } catch (error) {
      if (!isMetdbError(error, 'conflict')) throw error; // written by an earlier delivery: same bytes
    }
    image =
      (await updateImage(deps.db, image.id, {
        status: 'ingested',
        width: validated.width,
        height: validated.height,
        depth: validated.depth,
        channels: validated.channels,
        pages: validated.depth,
        pixel_type: validated.pixelType,
        ...pixelSizeColumns(validated.decoded.info.pixelSize),
        ...fileAxes(bytes, validated.decoded.info.format, validated.depth),
      })) ?? image;
    // One channel: the default decode is channel 0's, the one the tiles will ask for.
    if (validated.channels === 1 && image.status === 'ingested') {
      deps.onImageDecoded?.(image.storage_path, validated.decoded);
    }
  }
  // A mosaic's tiles are stitched together, not registered to a reference.
  const mosaic = await planStitching(deps, dataset, bucket);
  const plans = mosaic.mosaic ? [] : await planNewImage(deps, dataset, image, bucket);
  return {
    outcome: inserted.created ? 'ingested' : 'duplicate',
    imageId: image.id,
    datasetId: dataset.id,
    jobIds: plans.map((p) => p.jobId),
    ...(mosaic.mosaic ? { mosaic } : {}),
  };
}

/**
 * A dataset's `metdb.json` or layout file (`TileConfiguration.txt`, or the file its `"stitch"`
 * names) arrived: if the dataset is a mosaic, plan its stitching (it may be the last piece), and
 * the file is no image. Undefined: not a mosaic's file (ingested as any other upload).
 */
async function stitchingFileArrived(
  deps: PipelineDeps,
  object: FinalizedObject,
): Promise<IngestResult | undefined> {
  const folder = datasetFolderOf(object.name);
  if (folder.problem !== undefined) return undefined;
  const relative = object.name.slice(folder.dataset.length + 1);
  const base = relative.slice(relative.lastIndexOf('/') + 1);
  if (base !== SETTINGS_FILE && base !== LAYOUT_FILE) {
    const settings = await loadDatasetSettings(storeOf(deps, object.bucket), folder.dataset);
    if (settings.stitch?.layout !== relative) return undefined;
  }
  const { dataset } = await getOrCreateDataset(deps.db, { name: folder.dataset });
  const mosaic = await planStitching(deps, dataset, object.bucket);
  if (!mosaic.mosaic) return undefined;
  return {
    outcome: 'ignored',
    reason: base === SETTINGS_FILE ? 'dataset settings, not an image' : 'a mosaic layout, not an image',
    datasetId: dataset.id,
    jobIds: [],
    mosaic,
  };
}

interface Validated {
  width: number;
  height: number;
  depth: number;
  channels: number;
  pixelType: 'uint8' | 'uint16' | 'float32';
  decoded: DecodedImage;
}

/** The decoded image's facts, or the reason the upload is unusable. */
async function validate(deps: PipelineDeps, bytes: Uint8Array): Promise<Validated | string> {
  const limits = { maxBytes: deps.limits.maxBytes, maxPixels: deps.limits.maxPixels };
  try {
    await inspectImage(bytes, limits);
    // Someone listening will hand the pixels to other threads: decode them into shared memory.
    const decoded = await decodeImage(bytes, { ...limits, sharedMemory: deps.onImageDecoded !== undefined });
    const { info } = decoded;
    return {
      decoded,
      width: info.width,
      height: info.height,
      depth: info.depth,
      channels: info.channels,
      pixelType: info.pixelType,
    };
  } catch (error) {
    if (isMetdbError(error) && error.kind === 'transient') throw error;
    const message = error instanceof Error ? error.message : String(error);
    return isMetdbError(error) ? message : `could not decode the image: ${message}`;
  }
}

/** The image row's pixel size columns (0003_units) from what the file states. */
function pixelSizeColumns(size: PixelSize | null): ImagePatch {
  return size === null
    ? {}
    : { pixel_size_x: size.x, pixel_size_y: size.y, pixel_size_z: size.z, pixel_size_unit: size.unit };
}

async function recordFailure(
  deps: PipelineDeps,
  row: NewImage,
  reason: string,
  extra: Partial<NewImage>,
): Promise<IngestResult> {
  const { image, created } = await insertImageOrGet(deps.db, {
    ...row,
    ...extra,
    status: 'failed',
    failure_reason: clip(reason),
  });
  if (!created && image.status === 'received') return markFailed(deps, image, reason);
  return {
    outcome: 'failed',
    imageId: image.id,
    datasetId: image.dataset_id,
    reason: image.failure_reason ?? reason,
    jobIds: [],
  };
}

async function markFailed(deps: PipelineDeps, image: ImageRow, reason: string): Promise<IngestResult> {
  deps.logger.warn(`ingest: upload ${image.source_object} is not usable: ${reason}`, {
    imageId: image.id,
    datasetId: image.dataset_id,
  });
  await updateImage(deps.db, image.id, { status: 'failed', failure_reason: clip(reason) });
  return {
    outcome: 'failed',
    imageId: image.id,
    datasetId: image.dataset_id,
    reason: clip(reason),
    jobIds: [],
  };
}

function ignored(reason: string): IngestResult {
  return { outcome: 'ignored', reason, jobIds: [] };
}

function clip(reason: string): string {
  return reason.length <= 1024 ? reason : `${reason.slice(0, 1023)}…`;
}

/**
 * The dataset of an object name: its first path segment. Objects at the top of the bucket, whose
 * first segment cannot name a dataset (`folderNameProblem`: empty, `.`, `..`, too long, control
 * characters...), or with a `.` or `..` segment further down (a path traversal) go to
 * `_unsorted` with a reason: no dataset is ever named `..`.
 */
export function datasetFolderOf(name: string): { dataset: string; problem?: string } {
  const segments = name.split('/');
  if (segments.length < 2)
    return {
      dataset: UNSORTED_DATASET,
      problem: `object ${JSON.stringify(name)} is not inside a dataset folder (<dataset>/<file>)`,
    };
  const problem = folderNameProblem(segments[0]!);
  if (problem !== undefined) {
    return {
      dataset: UNSORTED_DATASET,
      problem: `object ${JSON.stringify(name)}: the folder name ${problem}, not a valid dataset name`,
    };
  }
  if (segments.slice(1).some((s) => s === '.' || s === '..')) {
    return {
      dataset: UNSORTED_DATASET,
      problem: `object ${JSON.stringify(name)} has a . or .. segment (a path traversal)`,
    };
  }
  return { dataset: segments[0]! };
}
