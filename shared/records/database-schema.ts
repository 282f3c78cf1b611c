/**
 * The tables as Kysely sees them (see docs/schema.md and migrations/). Column names are the SQL
 * names (snake_case) so that code and ad-hoc SQL share one vocabulary. Values are as stored:
 * JSON columns hold JSON text, timestamps ISO-8601 UTC text (`2025-01-31T12:00:00.000Z`),
 * booleans 0/1. Repositories convert to the `*Row` types below.
 */
import type { Selectable } from 'kysely';

export const IMAGE_STATUSES = ['received', 'ingested', 'failed'] as const;
/** `received`: row claimed, canonical object not yet written; `ingested`: usable; `failed`: see failure_reason. */
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const JOB_STATES = ['pending', 'running', 'aggregating', 'done', 'failed'] as const;
/** pending -> running (tiles published) -> aggregating (last tile recorded) -> done | failed. */
export type JobState = (typeof JOB_STATES)[number];

/** A result's verdict (see docs/quality.md); the same list as shared/quality's `QUALITIES`. */
export const QUALITY_VALUES = ['good', 'low', 'failed'] as const;

export const PIXEL_TYPES = [
  'uint8',
  'uint16',
  'uint32',
  'int8',
  'int16',
  'int32',
  'float32',
  'float64',
] as const;
export type PixelType = (typeof PIXEL_TYPES)[number];

export interface DatasetsTable {
  id: string;
  name: string;
  settings: string | null;
  reference_image_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ImagesTable {
  id: string;
  dataset_id: string;
  source_key: string;
  source_bucket: string;
  source_object: string;
  source_generation: string;
  storage_path: string;
  format: string;
  byte_size: number | null;
  content_hash: string | null;
  width: number | null;
  height: number | null;
  depth: number | null;
  channels: number | null;
  pages: number | null;
  pixel_type: PixelType | null;
  /** Size of one pixel along x, y (and z) in pixel_size_unit, as the file states it (0003_units). */
  pixel_size_x: number | null;
  pixel_size_y: number | null;
  pixel_size_z: number | null;
  /** 'µm', 'nm', 'Å'... (`LENGTH_UNITS`); null when the file states no size. */
  pixel_size_unit: string | null;
  /** Time points and z planes of the file's planes as its metadata states them (0006); null: not stated. */
  size_t: number | null;
  size_z: number | null;
  /** Where the axes come from (0006): 'imagej' | 'ome' | 'mrc' | 'pages' (no axis metadata); null in 2D. */
  axes_source: string | null;
  status: ImageStatus;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  dataset_id: string;
  reference_image_id: string;
  moving_image_id: string;
  version: number;
  request_key: string | null;
  parameters: string;
  state: JobState;
  tiles_total: number;
  tiles_done: number;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Re-drives by the sweep (0004). */
  redrives: number;
  /** The latest failure of the job's work, while it is not final too (0004). */
  last_error: string | null;
}

export interface TileResultsTable {
  job_id: string;
  tile_index: number;
  region: string;
  shift_z: number | null;
  shift_y: number | null;
  shift_x: number | null;
  peak: number | null;
  error: number | null;
  weight: number | null;
  skipped: number;
  skip_reason: string | null;
  duration_ms: number;
  created_at: string;
  /** 'good' | 'low' | 'failed' (see docs/quality.md); null for rows older than migration 0002. */
  quality: string | null;
}

export interface RegistrationsTable {
  job_id: string;
  image_id: string;
  shift_z: number | null;
  shift_y: number;
  shift_x: number;
  transform: string | null;
  residual_rms: number | null;
  residual_max: number | null;
  residuals: string | null;
  ncc_before: number | null;
  ncc_after: number | null;
  tiles_used: number;
  tiles_rejected: number;
  /** 'good' | 'low' | 'failed' (see docs/quality.md); null for rows older than migration 0002. */
  quality: string | null;
  /** JSON array of one-line findings behind `quality` (empty when good). */
  quality_reasons: string | null;
  /** NCC that unrelated overlaps of the pair reach (the permutation test's 99th percentile). */
  ncc_chance: number | null;
  /** 'translation', 'rigid', 'similarity' (0005; null in rows written before it: translations) or an affine model (0011). */
  model: string | null;
  /** The homogeneous matrix, moving -> reference, (x, y) pixels, as JSON text (0005). */
  matrix: string | null;
  /** Rotation (degrees) and scale of a rigid or similarity matrix (0005). */
  angle: number | null;
  scale: number | null;
  created_at: string;
  updated_at: string;
}

export interface ProcessedEventsTable {
  idempotency_key: string;
  kind: string;
  processed_at: string;
}

/** A message that exhausted its deliveries (0004). */
export interface DeadLettersTable {
  id: string;
  dedupe_key: string;
  topic: string;
  subscription: string | null;
  message_id: string | null;
  kind: 'tile' | 'aggregate' | 'upload' | 'reprocess' | 'outputs' | 'unknown';
  job_id: string | null;
  tile_index: number | null;
  object_name: string | null;
  delivery_attempts: number | null;
  reason: string;
  payload: string;
  attributes: string | null;
  received_at: string;
}

export interface Database {
  datasets: DatasetsTable;
  images: ImagesTable;
  jobs: JobsTable;
  tile_results: TileResultsTable;
  registrations: RegistrationsTable;
  processed_events: ProcessedEventsTable;
  dead_letters: DeadLettersTable;
  mosaics: MosaicsTable;
  mosaic_items: MosaicItemsTable;
  mosaic_tiles: MosaicTilesTable;
  series: SeriesTable;
  series_frames: SeriesFramesTable;
  section_matrices: SectionMatricesTable;
}

/** A time series read from one multi-page file, one row per series job version (migration 0006). */
export interface SeriesTable {
  id: string;
  dataset_id: string;
  image_id: string;
  /** The job that registers its frames and solves it (unique: one series per job version). */
  job_id: string;
  /** 'reference' | 'consecutive' | 'rcc'. */
  mode: string;
  frames: number;
  /** The shape of one frame, (z,) y, x, as `YxX` text (`199x201`). */
  frame_shape: string;
  /** 'running' | 'done' | 'failed'. */
  state: string;
  /** JSON text: settings, bins, pairs (shift, weight, residual, dropped), per-frame drift and error. */
  trajectory: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * One section of a stack aligned frame to frame (migration 0013): its transform onto section 0,
 * the homogeneous matrix's first two rows (moving -> reference, (x, y) pixels), and its step.
 */
export interface SectionMatricesTable {
  series_id: string;
  frame_index: number;
  m00: number;
  m01: number;
  m02: number;
  m10: number;
  m11: number;
  m12: number;
  /** JSON text: the measured step onto the section before (a 3 x 3 matrix); null for section 0. */
  step: string | null;
  /** The model the step was fitted with (a shift when flagged); null for section 0. */
  model: string | null;
  tiles: number | null;
  inliers: number | null;
  residual_rms: number | null;
  /** 'too-few-points' | 'no-points' when the step was bridged; null otherwise. */
  flagged: string | null;
}

/** One frame of a series: its drift (content position minus the reference frame's), pixels. */
export interface SeriesFramesTable {
  series_id: string;
  frame_index: number;
  drift_z: number | null;
  drift_y: number;
  drift_x: number;
  error_z: number | null;
  error_y: number | null;
  error_x: number | null;
  /** 'good' | 'low' | 'failed'. */
  quality: string | null;
}

/** A stitching job (migration 0007): its plan, fan-in counters, state and result. */
export interface MosaicsTable {
  id: string;
  dataset_id: string;
  /** Idempotency key of the request that planned it (null: none). */
  request_key: string | null;
  /** JSON text: layout, edges, null pairs and options. */
  plan: string;
  /** 'running' | 'solving' | 'done' | 'failed'. */
  state: string;
  items_total: number;
  items_done: number;
  /** JSON text: positions, edge statuses, threshold, stage model (null until solved). */
  result: string | null;
  output_prefix: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  /** 1, 2, ... per dataset (migration 0009): the outputs' prefix `outputs/<datasetId>/mosaics/v<version>/`. */
  version: number;
  /** Re-drives by the sweep (migration 0009). */
  redrives: number;
}

/** One tile of a solved mosaic (migration 0009), primary key (mosaic_id, tile_index). */
export interface MosaicTilesTable {
  mosaic_id: string;
  tile_index: number;
  image_id: string;
  /** The tile's name in the layout. */
  name: string;
  /** Solved top-left corner, pixels, x right, y down, in the layout's frame. */
  x: number;
  y: number;
  nominal_x: number;
  nominal_y: number;
  /** 'registered' (placed by accepted edges) | 'stage' (no accepted edge: kept at its nominal position). */
  status: string;
  /** Accepted edges of the tile. */
  edges: number;
}

/** One measured item of a mosaic (an edge or a null pair), primary key (mosaic_id, item_index). */
export interface MosaicItemsTable {
  mosaic_id: string;
  item_index: number;
  /** 'edge' | 'null'. */
  kind: string;
  dx: number | null;
  dy: number | null;
  ncc: number | null;
  runner_up: number | null;
  overlap: number | null;
  duration_ms: number;
  created_at: string;
}

/** A tile's region in the image, in pixels, axis order (z,) y, x: start offsets and sizes. */
export interface TileRegion {
  start: number[];
  size: number[];
}

export type DatasetRow = Omit<Selectable<DatasetsTable>, 'settings'> & { settings: unknown };
export type ImageRow = Selectable<ImagesTable>;
export type JobRow = Omit<Selectable<JobsTable>, 'parameters'> & { parameters: unknown };
export type TileResultRow = Omit<Selectable<TileResultsTable>, 'region' | 'skipped'> & {
  region: TileRegion;
  skipped: boolean;
};
export type RegistrationRow = Omit<
  Selectable<RegistrationsTable>,
  'transform' | 'residuals' | 'quality_reasons' | 'matrix'
> & {
  transform: unknown;
  residuals: unknown;
  quality_reasons: string[] | null;
  matrix: number[][] | null;
};
export type SeriesRow = Omit<Selectable<SeriesTable>, 'trajectory'> & { trajectory: unknown };
export type SeriesFrameRow = Selectable<SeriesFramesTable>;
export type SectionMatrixRow = Selectable<SectionMatricesTable>;
export type ProcessedEventRow = Selectable<ProcessedEventsTable>;
