import type { TimeBin } from '../aggregation/binned-drift.js';
import type { QualityVerdict } from './quality-verdict.js';

/** A registered pair of time bins, as the series solve saw it. */
export interface SeriesPairEvidence {
  /** The pair's bins. */
  readonly i: number;
  readonly j: number;
  /**
   * One of its tiles has a correlation peak above chance (`judgeTile` good: above the 99th
   * percentile of unrelated tiles' peaks). A pair without one correlates no better than chance.
   */
  readonly aboveChance: boolean;
  /** No tile gave a usable shift: the pair is not in the solve. */
  readonly failed: boolean;
  /** Dropped by the solve: its residual exceeded the solve's threshold (`maxResidual`). */
  readonly rejected: boolean;
}

export interface SeriesEvidence {
  readonly bins: readonly TimeBin[];
  readonly pairs: readonly SeriesPairEvidence[];
  /** Bins no usable pair connects to the others, their drift interpolated (`binnedDrift`). */
  readonly bridged: readonly number[];
  /** Per frame, the standard error of its drift per axis, pixels (NaN: unknown). */
  readonly errors: readonly (readonly number[])[];
  /** The solve's residual threshold, pixels: a pair further from the trajectory is dropped. */
  readonly maxResidual: number;
  /** The frame whose drift is zero by definition. */
  readonly referenceFrame: number;
}

export interface SeriesVerdict {
  /** Per frame: `good`, or `low` with its reasons. */
  readonly frames: QualityVerdict[];
  /** The trajectory as a whole: `failed` when it is not trustworthy (see `judgeSeries`). */
  readonly series: QualityVerdict;
}

/** A frame's drift is imprecise beyond this standard error, pixels. */
export const MAX_FRAME_ERROR = 0.5;

/**
 * How often a pair above chance may be wrong when the frames do move by one drift: a peak above
 * the 99th percentile of unrelated tiles' (`CHANCE_PEAK_P99`) is a false one at most 1 % of the time.
 */
const FALSE_PEAK_RATE = 0.01;
/** Disagreeing pairs are too many when so many false peaks would happen less often than this. */
const SIGNIFICANCE = 0.01;

/**
 * The verdict on a series' trajectory, per frame and as a whole, from the evidence the image
 * verdict uses (each tile's peak against the calibrated chance level, `judgeTile`) and from the
 * solve's consistency (a pair is either on the trajectory within `maxResidual` or dropped).
 * A frame (its time bin) is `low` when
 * - `bridged`: none of its pairs gave a usable shift, its drift is interpolated;
 * - `pairs-at-chance`: none of its pairs has a peak above chance (it correlates with its
 *   partners no better than unrelated content does);
 * - `pairs-disagree`: more of its pairs above chance were dropped (they disagree with the solved
 *   trajectory by more than `maxResidual`) than false peaks explain: under one common drift a pair
 *   above chance is wrong at most 1 % of the time (the chance level is the 99th percentile of
 *   unrelated tiles), and r of m such pairs dropped is too many when P(Binomial(m, 0.01) >= r)
 *   < 0.01 (the content moves other than by one drift);
 * - `imprecise`: its drift's standard error exceeds `MAX_FRAME_ERROR`.
 * The series is `failed` (not trustworthy) when most frames are low, or when the pairs above chance
 * of the frames not low disagree with the trajectory more often than false peaks explain (the same
 * test: disagreement spread thinly over the frames); `low` when some frames are, else `good`.
 */
export function judgeSeries(e: SeriesEvidence): SeriesVerdict {
  const bridged = new Set(e.bridged);
  const binVerdicts = e.bins.map((_, b) => {
    if (bridged.has(b)) {
      return ["bridged: none of the frame's pairs gave a usable shift; its drift is interpolated"];
    }
    const own = e.pairs.filter((p) => !p.failed && (p.i === b || p.j === b));
    const above = own.filter((p) => p.aboveChance);
    const reasons: string[] = [];
    if (above.length === 0) {
      reasons.push(
        `pairs-at-chance: none of its ${own.length} pairs has a correlation peak above chance (unrelated content reaches as high)`,
      );
    }
    const disagree = above.filter((p) => p.rejected).length;
    if (tooMany(disagree, above.length)) {
      reasons.push(
        `pairs-disagree: ${disagree} of its ${above.length} pairs above chance disagree with the trajectory by more than ${e.maxResidual} px`,
      );
    }
    return reasons;
  });
  const frames = e.errors.map((error, f): QualityVerdict => {
    if (f === e.referenceFrame) return { quality: 'good', reasons: [] };
    const bin = binOf(e.bins, f);
    const reasons = [...(binVerdicts[bin] ?? [])];
    const worst = Math.max(...error.filter(Number.isFinite), 0);
    if (worst > MAX_FRAME_ERROR) {
      reasons.push(`imprecise: drift error ${worst.toFixed(2)} px exceeds ${MAX_FRAME_ERROR} px`);
    }
    return { quality: reasons.length === 0 ? 'good' : 'low', reasons };
  });
  return { frames, series: judgeTrajectory(e, frames) };
}

function judgeTrajectory(e: SeriesEvidence, frames: readonly QualityVerdict[]): QualityVerdict {
  // The frames judged low account for their own pairs; what is left must agree.
  const low = new Set(frames.flatMap((f, k) => (f.quality === 'good' ? [] : [binOf(e.bins, k)])));
  const above = e.pairs.filter((p) => p.aboveChance && !p.failed && !low.has(p.i) && !low.has(p.j));
  const disagree = above.filter((p) => p.rejected).length;
  const lowFrames = frames.filter((f) => f.quality !== 'good').length;
  const reasons: string[] = [];
  if (tooMany(disagree, above.length)) {
    reasons.push(
      `pairs-disagree: ${disagree} of the other frames' ${above.length} pairs above chance disagree with the trajectory by more than ${e.maxResidual} px: the frames do not move by one common drift (content that changes or moves), the trajectory is not trustworthy`,
    );
  }
  if (lowFrames > frames.length / 2) {
    reasons.push(
      `frames-low: ${lowFrames} of ${frames.length} frames are low, the trajectory is not trustworthy`,
    );
  }
  if (reasons.length > 0) return { quality: 'failed', reasons };
  if (lowFrames > 0)
    return { quality: 'low', reasons: [`frames-low: ${lowFrames} of ${frames.length} frames are low`] };
  return { quality: 'good', reasons: [] };
}

function binOf(bins: readonly TimeBin[], frame: number): number {
  return bins.findIndex((b) => frame >= b.start && frame < b.end);
}

/** Whether `r` pairs of `m` disagreeing is more than false peaks explain (one-sided binomial test). */
function tooMany(r: number, m: number): boolean {
  if (r === 0) return false;
  // P(X >= r) = 1 - P(X < r), the terms by their logarithms (m up to tens of thousands).
  const [p, q] = [Math.log(FALSE_PEAK_RATE), Math.log1p(-FALSE_PEAK_RATE)];
  let logChoose = 0;
  let below = 0;
  for (let k = 0; k < r; k++) {
    below += Math.exp(logChoose + k * p + (m - k) * q);
    logChoose += Math.log((m - k) / (k + 1));
  }
  return 1 - below < SIGNIFICANCE;
}
