import type { Kysely } from 'kysely';
import { collectImageResults } from '../../shared/outputs/collect-image-results.js';
import type { ImageResult } from '../../shared/outputs/image-result.js';
import { shiftUm } from '../../shared/outputs/physical-units.js';
import type { Database, DatasetRow, JobState } from '../../shared/records/database-schema.js';
import { getDataset, getDatasetByName, listDatasets } from '../../shared/records/datasets-repository.js';
import { listImages } from '../../shared/records/images-repository.js';
import { listJobs } from '../../shared/records/jobs-repository.js';

/** One dataset as `/api/datasets` gives it. */
export interface DatasetStatus {
  readonly id: string;
  readonly name: string;
  readonly referenceImageId: string | null;
  readonly createdAt: string;
  /** Images by role, the reference apart (as `metdb run` and the report count them). */
  readonly images: {
    total: number;
    reference: number;
    registered: number;
    low: number;
    failed: number;
    pending: number;
  };
  /** Jobs by state. */
  readonly jobs: Readonly<Record<JobState, number>> & { total: number };
  readonly links: { page: string; report: string; images: string; jobs: string };
}

/** One image as `/api/images` gives it: its status, verdict and shift (px, and µm where known). */
export interface ImageStatus {
  readonly id: string;
  readonly datasetId: string;
  readonly dataset: string;
  readonly file: string;
  readonly role: ImageResult['role'];
  readonly quality: ImageResult['quality'];
  readonly qualityReasons: readonly string[];
  readonly failureReason: string | null;
  readonly jobId: string | null;
  readonly shape: readonly number[] | null;
  readonly axes: readonly string[];
  readonly shift: readonly number[] | null;
  readonly shiftUm: readonly (number | null)[] | null;
  readonly pixelSize: ImageResult['pixelSize'];
  readonly nccBefore: number | null;
  readonly nccAfter: number | null;
  readonly residualRms: number | null;
  readonly tilesUsed: number;
  readonly tilesRejected: number;
  readonly thumbnail: string;
}

/** One job as `/api/jobs` gives it, with its progress (tiles recorded of planned). */
export interface JobStatus {
  readonly id: string;
  readonly datasetId: string;
  readonly dataset: string;
  readonly movingImageId: string;
  readonly file: string | null;
  readonly version: number;
  readonly state: JobState;
  readonly tilesDone: number;
  readonly tilesTotal: number;
  /** tilesDone / tilesTotal in [0, 1] (1 when done, 0 with no tiles planned yet). */
  readonly progress: number;
  readonly failureReason: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** The datasets named or identified by `selector` (all when undefined); none when it matches nothing. */
export async function selectDatasets(
  db: Kysely<Database>,
  selector: string | undefined,
): Promise<DatasetRow[]> {
  if (selector === undefined || selector === '') return listDatasets(db);
  const row = (await getDataset(db, selector)) ?? (await getDatasetByName(db, selector));
  return row === undefined ? [] : [row];
}

export async function datasetStatus(db: Kysely<Database>, dataset: DatasetRow): Promise<DatasetStatus> {
  const results = await collectImageResults(db, dataset.id);
  const jobs = await listJobs(db, dataset.id);
  const role = (r: ImageResult['role']) => results.filter((x) => x.role === r).length;
  const byState = { pending: 0, running: 0, aggregating: 0, done: 0, failed: 0 };
  for (const j of jobs) byState[j.state]++;
  const base = `/datasets/${encodeURIComponent(dataset.id)}`;
  return {
    id: dataset.id,
    name: dataset.name,
    referenceImageId: dataset.reference_image_id,
    createdAt: dataset.created_at,
    images: {
      total: results.length,
      reference: role('reference'),
      registered: role('registered'),
      low: results.filter((r) => r.role === 'registered' && r.quality === 'low').length,
      failed: role('failed'),
      pending: role('pending'),
    },
    jobs: { ...byState, total: jobs.length },
    links: {
      page: base,
      report: `${base}/report.html`,
      images: `/api/images?dataset=${encodeURIComponent(dataset.id)}`,
      jobs: `/api/jobs?dataset=${encodeURIComponent(dataset.id)}`,
    },
  };
}

/** A dataset's images in natural file order (`collectImageResults`), without the tile fields. */
export async function imageStatuses(db: Kysely<Database>, dataset: DatasetRow): Promise<ImageStatus[]> {
  const results = await collectImageResults(db, dataset.id);
  const file = inDataset(dataset);
  return results.map((r) => ({
    id: r.imageId,
    datasetId: dataset.id,
    dataset: dataset.name,
    file: file(r.file),
    role: r.role,
    quality: r.quality,
    qualityReasons: r.qualityReasons,
    failureReason: r.failureReason,
    jobId: r.jobId,
    shape: r.shape,
    axes: (r.shape?.length ?? 2) === 3 ? ['z', 'y', 'x'] : ['y', 'x'],
    shift: r.shift,
    shiftUm: shiftUm(r.shift, r.pixelSize),
    pixelSize: r.pixelSize,
    nccBefore: r.nccBefore,
    nccAfter: r.nccAfter,
    residualRms: r.residualRms,
    tilesUsed: r.tilesUsed,
    tilesRejected: r.tilesRejected,
    thumbnail: `/thumbnails/${encodeURIComponent(r.imageId)}.png`,
  }));
}

/** A dataset's jobs, oldest first, with the moving image's file name. */
export async function jobStatuses(db: Kysely<Database>, dataset: DatasetRow): Promise<JobStatus[]> {
  const file = inDataset(dataset);
  const files = new Map((await listImages(db, dataset.id)).map((i) => [i.id, file(i.source_object)]));
  return (await listJobs(db, dataset.id)).map((j) => ({
    id: j.id,
    datasetId: dataset.id,
    dataset: dataset.name,
    movingImageId: j.moving_image_id,
    file: files.get(j.moving_image_id) ?? null,
    version: j.version,
    state: j.state,
    tilesDone: j.tiles_done,
    tilesTotal: j.tiles_total,
    progress: j.state === 'done' ? 1 : j.tiles_total > 0 ? Math.min(1, j.tiles_done / j.tiles_total) : 0,
    failureReason: j.failure_reason,
    lastError: j.last_error,
    createdAt: j.created_at,
    startedAt: j.started_at,
    finishedAt: j.finished_at,
  }));
}

/** An uploaded object's name within its dataset's folder: `series/frame_00.tif` -> `frame_00.tif`. */
function inDataset(dataset: DatasetRow): (objectName: string) => string {
  const prefix = `${dataset.name}/`;
  return (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
}
