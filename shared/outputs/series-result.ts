import type { PixelSize } from '../imaging/pixel-size.js';
import type { SectionChain } from '../pipeline/section-chain.js';
import type { Quality, QualityVerdict } from '../quality/quality-verdict.js';
import type { SolvedSection } from '../records/section-matrices-repository.js';

/** A stack of sections' chain and solved sections (migration 0013), as its outputs write them. */
export interface SeriesSections {
  readonly chain: SectionChain;
  readonly solved: readonly SolvedSection[];
}

/** A time series of a run, as its outputs (drift.csv, drift.json, the corrected stack, the report) show it. */
export interface SeriesResult {
  readonly seriesId: string;
  readonly imageId: string;
  /** The uploaded object name (for a local run: the file's name in the folder). */
  readonly file: string;
  readonly jobId: string;
  /** 'running' | 'done' | 'failed'. */
  readonly state: string;
  readonly failureReason: string | null;
  readonly mode: string;
  readonly frames: number;
  /** One frame's shape, (z,) y, x. */
  readonly frameShape: readonly number[];
  readonly pixelType: string | null;
  readonly pixelSize: PixelSize | null;
  /** Per frame (when solved): the drift and its standard error, pixels, axis order (z,) y, x. */
  readonly drift: readonly (readonly number[])[];
  readonly errors: readonly (readonly (number | null)[])[];
  readonly quality: readonly (Quality | null)[];
  /**
   * The verdict on the trajectory as a whole (`judgeSeries`): `failed` when it is not trustworthy
   * (its pairs disagree, most frames low); null until solved.
   */
  readonly verdict: QualityVerdict | null;
  /** The stored trajectory document (drift.json without pixel sizes), null until solved. */
  readonly trajectory: Record<string, unknown> | null;
  /** A stack of sections aligned frame to frame (an affine `model`): its chain and matrices, once solved. */
  readonly sections?: SeriesSections;
}
