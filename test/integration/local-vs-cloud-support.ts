/**
 * ID-free views of a dataset's records, to compare two runs of the pipeline on the same input (the
 * cloud stack on MariaDB, the local runner on SQLite): every row keyed by the uploaded file's name
 * and the tile index instead of by ID; timestamps and durations left out (they differ by design).
 */
import type { Kysely } from 'kysely';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { ImageResult } from '../../shared/outputs/image-result.js';
import type { Database, ImageRow } from '../../shared/records/database-schema.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import { listImages } from '../../shared/records/images-repository.js';
import { listJobs } from '../../shared/records/jobs-repository.js';
import { getRegistration } from '../../shared/records/registrations-repository.js';
import { listTileResults } from '../../shared/records/tile-results-repository.js';

/** One dataset's records, keyed by file name (relative to the dataset folder) and tile index. */
export interface DatasetSnapshot {
  readonly settings: unknown;
  /** File name of the dataset's reference image. */
  readonly reference: string | null;
  readonly images: Record<string, Record<string, unknown>>;
  /** Jobs by the moving image's file name, each with its tiles (by index) and its registration. */
  readonly jobs: Record<string, Record<string, unknown>>;
}

/**
 * Reads the dataset named `name` from `db` (MySQL or SQLite) as a DatasetSnapshot. The canonical
 * storage path is reduced to whether it has the canonical shape for the row's own IDs.
 */
export async function datasetSnapshot(db: Kysely<Database>, name: string): Promise<DatasetSnapshot> {
  const dataset = await getDatasetByName(db, name);
  if (dataset === undefined) throw new Error(`no dataset ${name}`);
  const images = await listImages(db, dataset.id);
  const fileOf = new Map(images.map((i) => [i.id, fileName(i.source_object, name)]));
  const file = (id: string | null) => (id === null ? null : (fileOf.get(id) ?? `unknown image ${id}`));
  const snapshot: DatasetSnapshot = {
    settings: dataset.settings,
    reference: file(dataset.reference_image_id),
    images: {},
    jobs: {},
  };
  for (const image of images) snapshot.images[file(image.id)!] = imageFacts(image, dataset.id);
  for (const job of await listJobs(db, dataset.id)) {
    const tiles = await listTileResults(db, job.id);
    const registration = await getRegistration(db, job.id, job.moving_image_id);
    snapshot.jobs[file(job.moving_image_id)!] = {
      reference: file(job.reference_image_id),
      version: job.version,
      requestKey: job.request_key === null ? null : withFileNames(job.request_key, fileOf),
      parameters: job.parameters,
      state: job.state,
      tilesTotal: job.tiles_total,
      tilesDone: job.tiles_done,
      failureReason: job.failure_reason,
      tiles: Object.fromEntries(
        tiles.map((t) => [
          t.tile_index,
          {
            region: t.region,
            shift: [t.shift_z, t.shift_y, t.shift_x],
            peak: t.peak,
            error: t.error,
            weight: t.weight,
            skipped: t.skipped,
            skipReason: t.skip_reason,
          },
        ]),
      ),
      registration:
        registration === undefined
          ? null
          : {
              shift: [registration.shift_z, registration.shift_y, registration.shift_x],
              transform: registration.transform,
              residualRms: registration.residual_rms,
              residualMax: registration.residual_max,
              residuals: registration.residuals,
              nccBefore: registration.ncc_before,
              nccAfter: registration.ncc_after,
              tilesUsed: registration.tiles_used,
              tilesRejected: registration.tiles_rejected,
            },
    };
  }
  return snapshot;
}

/** An ImageResult (what shifts.csv/json and the report show) without its IDs, its file relative to the dataset. */
export function resultWithoutIds(result: ImageResult, dataset: string): Record<string, unknown> {
  const { imageId: _image, jobId: _job, ...rest } = result;
  return { ...rest, file: fileName(result.file, dataset) };
}

/**
 * A copy of a 2D uint16 TIFF with rows `0 .. rows - 1` set to one constant `value`: tiles inside that
 * band have no signal and are skipped by the pipeline.
 */
export async function withFlatBand(path: string, rows: number, value = 1000): Promise<Uint8Array> {
  const { array } = await readImageFile(path);
  const [, width] = array.shape;
  if (!(array.data instanceof Uint16Array) || array.shape.length !== 2 || width === undefined)
    throw new Error(`${path}: expected a 2D uint16 image`);
  const data = Uint16Array.from(array.data);
  data.fill(value, 0, rows * width);
  return encodeTiff(ndarray(data, array.shape));
}

/** A difference between two values at a JSON-like path. */
export interface Difference {
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
}

/**
 * Every place where `a` and `b` differ, recursively: finite numbers may differ by at most
 * `tolerance` (absolute), everything else (strings, booleans, null, NaN, object keys, array
 * lengths) must be identical.
 */
export function differences(a: unknown, b: unknown, tolerance: number, path = '$'): Difference[] {
  if (typeof a === 'number' && typeof b === 'number') {
    const same = Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) <= tolerance : Object.is(a, b);
    return same ? [] : [{ path, a, b }];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [{ path: `${path}.length`, a: a.length, b: b.length }];
    return a.flatMap((x, i) => differences(x, b[i], tolerance, `${path}[${i}]`));
  }
  if (isRecord(a) && isRecord(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], tolerance, `${path}.${k}`));
  }
  return Object.is(a, b) ? [] : [{ path, a, b }];
}

/** The largest absolute difference between the finite numbers at the same places of `a` and `b`. */
export function largestNumericDifference(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number')
    return Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) : 0;
  if (isRecord(a) && isRecord(b))
    return Math.max(0, ...Object.keys(a).map((k) => largestNumericDifference(a[k], b[k])));
  return 0;
}

function imageFacts(image: ImageRow, datasetId: string): Record<string, unknown> {
  const ext = image.storage_path.slice(image.storage_path.lastIndexOf('.'));
  return {
    status: image.status,
    failureReason: image.failure_reason,
    format: image.format,
    byteSize: image.byte_size,
    contentHash: image.content_hash,
    shape: [image.depth, image.height, image.width],
    channels: image.channels,
    pages: image.pages,
    pixelType: image.pixel_type,
    canonicalPath: image.storage_path === `datasets/${datasetId}/images/${image.id}${ext}`,
  };
}

/** `text` with every image ID of `fileOf` replaced by `<file name>` (request keys embed IDs). */
function withFileNames(text: string, fileOf: ReadonlyMap<string, string>): string {
  let named = text;
  for (const [id, file] of fileOf) named = named.split(id).join(`<${file}>`);
  return named;
}

function fileName(sourceObject: string, dataset: string): string {
  return sourceObject.startsWith(`${dataset}/`) ? sourceObject.slice(dataset.length + 1) : sourceObject;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
