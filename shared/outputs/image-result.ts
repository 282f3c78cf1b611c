import type { PixelSize } from '../imaging/pixel-size.js';
import type { Quality } from '../quality/quality-verdict.js';

/**
 * One row per image of a run, as the outputs (shifts.csv, shifts.json, report.html) show it: the
 * image's identity and status and, when registered, its latest job's shift and quality figures.
 */
export interface ImageResult {
  /** The image ID (UUIDv7). */
  readonly imageId: string;
  /** A frame of a time series (0-based; its file is the series' file); absent for an image. */
  readonly frame?: number;
  /** The uploaded object name (for a local run: the file's name in the folder). */
  readonly file: string;
  /**
   * 'reference' (the dataset's reference), 'registered' (quality good or low), 'failed' (bad file,
   * failed job, or a registration whose quality is failed), 'pending'.
   */
  readonly role: 'reference' | 'registered' | 'failed' | 'pending';
  /** Why the image or its job failed (null otherwise). */
  readonly failureReason: string | null;
  /**
   * How far the registration can be believed: 'good', 'low' or 'failed' (docs/quality.md); null
   * for the reference and pending images.
   */
  readonly quality: Quality | null;
  /** The findings behind `quality`, one line each (empty when good). */
  readonly qualityReasons: readonly string[];
  /** The NCC unrelated overlaps of the pair reach (the permutation test's chance level). */
  readonly nccChance: number | null;
  /** The latest job of the image (null for the reference and images without a job). */
  readonly jobId: string | null;
  /** Image shape, axis order (z,) y, x, pixels (null if the file could not be read). */
  readonly shape: readonly number[] | null;
  /** Pixel type of the input ('uint8', 'uint16', 'float32'...), null if unknown. */
  readonly pixelType: string | null;
  /** Physical pixel (voxel) size the file states, in its unit; null when it states none. */
  readonly pixelSize: PixelSize | null;
  /**
   * The shift registering the image onto the reference, pixels, axis order (z,) y, x (zeros for the
   * reference, null when not registered). Apply it with `interpolatedShift(image, shift)`.
   */
  readonly shift: readonly number[] | null;
  /** The transform model of the image's job: 'translation', 'rigid' or 'similarity' (null when not registered). */
  readonly model?: string | null;
  /**
   * The transform as a homogeneous matrix mapping points of the image onto the reference, (x, y)
   * pixel coordinates from the centre of the top-left pixel (3x3; 4x4 (x, y, z) for a 3D shift;
   * see docs/messages.md). A translation's is [[1, 0, shift_x], [0, 1, shift_y], [0, 0, 1]].
   */
  readonly matrix?: readonly (readonly number[])[] | null;
  /** Rotation (degrees, +x toward +y) and scale of a rigid or similarity matrix; null otherwise. */
  readonly angle?: number | null;
  readonly scale?: number | null;
  /** Root mean square and largest residual of the used tiles about the solved shift, pixels. */
  readonly residualRms: number | null;
  readonly residualMax: number | null;
  /** Median translation-invariant error of the correlated tiles, sqrt(1 - NCC²) (0 = identical). */
  readonly tileErrorMedian: number | null;
  /** Normalised cross-correlation with the reference before and after applying the shift, [-1, 1]. */
  readonly nccBefore: number | null;
  readonly nccAfter: number | null;
  readonly tilesUsed: number;
  readonly tilesRejected: number;
  /** Tiles of the job, with their own shifts: the per-tile shift field. */
  readonly tiles: readonly TileShift[];
}

/** The measured fields of an image's result before any (no registration, or not yet). */
export function noMeasurements(): Pick<
  ImageResult,
  | 'residualRms'
  | 'residualMax'
  | 'tileErrorMedian'
  | 'nccBefore'
  | 'nccAfter'
  | 'tilesUsed'
  | 'tilesRejected'
  | 'tiles'
  | 'nccChance'
> {
  return {
    residualRms: null,
    residualMax: null,
    tileErrorMedian: null,
    nccBefore: null,
    nccAfter: null,
    tilesUsed: 0,
    tilesRejected: 0,
    tiles: [],
    nccChance: null,
  };
}

/** One tile's result, in reference pixels, axis order (z,) y, x. */
export interface TileShift {
  readonly index: number;
  readonly start: readonly number[];
  readonly size: readonly number[];
  /** Null when the tile was skipped (too little signal...). */
  readonly shift: readonly number[] | null;
  readonly weight: number | null;
  readonly skipped: boolean;
  /** The tile's own verdict from its correlation peak (`judgeTile`); null for older rows. */
  readonly quality: Quality | null;
}

/** Axis names for a shift of this length: ['y', 'x'] or ['z', 'y', 'x']. */
export function axisNames(ndim: number): string[] {
  return ndim === 3
    ? ['z', 'y', 'x']
    : ndim === 2
      ? ['y', 'x']
      : Array.from({ length: ndim }, (_, k) => `axis${k}`);
}
