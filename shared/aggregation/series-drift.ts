import { isMetdbError, MetdbError } from '../errors/metdb-error.js';
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { judgeSeries, type SeriesPairEvidence, type SeriesVerdict } from '../quality/judge-series.js';
import { judgeTile } from '../quality/judge-tile.js';
import type { PreprocessOptions } from '../registration/preprocess/validate-preprocess-options.js';
import { DEFAULT_WINDOW } from '../registration/preprocess/window-option.js';
import { extractRegion } from '../tiling/extract-region.js';
import { planTiles } from '../tiling/plan-tiles.js';
import { predictShift } from '../tiling/predict-shift.js';
import {
  prepareReferenceTile,
  type PreparedReferenceTile,
  type RegisterTileParams,
} from '../tiling/register-tile.js';
import { registerTileAt } from '../tiling/register-tile-at.js';
import { TileWorkspace } from '../tiling/tile-workspace.js';
import { binnedDrift, type BinnedDriftResult, type TimeBin } from './binned-drift.js';
import type { TrajectoryInterpolation } from './interpolate-trajectory.js';
import { pairShiftOfTiles } from './pair-shift.js';
import type { PairShift } from './redundant-cross-correlation.js';
import { seriesPairs, type SeriesMode } from './series-pairs.js';

export interface SeriesDriftOptions {
  /** How frames are paired (see `seriesPairs`). @default 'rcc' */
  mode?: SeriesMode;
  /** `rcc`: pairs at most this many (binned) frames apart. @default 10 */
  rccWindow?: number;
  /** The frame whose drift is zero (and, in `reference` mode, the one registered against). @default 0 */
  referenceFrame?: number;
  /** Frames summed into one before registering (for low signal, as PYME). @default 1 */
  binFrames?: number;
  /** How binned positions are carried onto every frame. @default 'cubic' */
  interpolation?: TrajectoryInterpolation;
  /** Subpixel precision of each pair (see `registerTile`; above 1, its direct refinement too). @default 100 */
  upsampleFactor?: number;
  /** @default 'phase' */
  normalization?: 'phase' | 'none';
  /**
   * Applied to each tile before registering (`registerTile`'s `preprocess`, its `window` the
   * tiles' window); binning is not allowed here.
   * @default { window: DEFAULT_WINDOW } (Tukey, alpha 0.5)
   */
  preprocess?: PreprocessOptions;
  /** Tile edge, pixels, as the pipeline's `tileSize`: a frame no larger is one tile. @default 256 (2D), 64 (3D) */
  tileSize?: number | number[];
  /** Overlap of neighbouring tiles, as the pipeline's `tileOverlap`. @default 0.25 */
  tileOverlap?: number;
  /** Outlier threshold on a pair's residual, pixels (`rcc`). @default 0.5 */
  maxResidual?: number;
}

export interface SeriesDriftResult extends BinnedDriftResult {
  /** Per frame, the shift that registers it onto the reference frame (minus the drift), pixels. */
  shifts: number[][];
  /** The bins registered (single frames when `binFrames` is 1). */
  bins: TimeBin[];
  /**
   * The pairs of bins registered with a usable tile, with their shifts and weights (the used
   * tiles' summed weights); a bin none of them reaches is bridged (`bridged`).
   */
  pairs: PairShift[];
  /** The verdict per frame and on the trajectory (`judgeSeries`), as the pipeline gives it. */
  verdict: SeriesVerdict;
}

/**
 * The drift of a series of frames (2D or 3D, one shape), registered as the pipeline registers a
 * series (`metdb run`): frames binned in time, each bin's coarse shift onto the first predicted
 * (`predictShift`), every pair of `mode` registered tile by tile (`registerTileAt`: the moving tile
 * cut at the predicted offset, noise-regularised phase correlation, one refinement and, with
 * `upsampleFactor` > 1, the direct refinement; each bin's reference tiles prepared once), the
 * pair's shift the robust shift of its tiles (`pairShiftOfTiles`), then solved by `binnedDrift`
 * (weighted least squares over the pairs, outliers dropped, an error per frame) and interpolated
 * onto every frame.
 *
 * Units: pixels, axis order (z,) y, x. `drift` is where the content is at a frame minus where it
 * is at the reference frame; `shifts` (its negative) registers each frame onto the reference.
 *
 * @throws MetdbError 'invalid-argument' for bad options or frames of different shapes;
 *   'insufficient-data' when no pair has a usable tile
 */
export function seriesDrift(frames: readonly NdArray[], options: SeriesDriftOptions = {}): SeriesDriftResult {
  const {
    mode = 'rcc',
    rccWindow = 10,
    referenceFrame = 0,
    binFrames = 1,
    interpolation = 'cubic',
    upsampleFactor = 100,
    normalization = 'phase',
    maxResidual = 0.5,
  } = options;
  const { window = DEFAULT_WINDOW, ...prep }: PreprocessOptions = options.preprocess ?? {};
  if (prep.bin !== undefined && prep.bin !== false) {
    throw new MetdbError('invalid-argument', 'seriesDrift: spatial binning is not supported here');
  }
  const shape = frames[0]?.shape ?? [];
  if (frames.some((f) => f.shape.length !== shape.length || f.shape.some((s, a) => s !== shape[a]))) {
    throw new MetdbError('invalid-argument', 'seriesDrift: every frame must have the same shape');
  }
  if (!Number.isInteger(binFrames) || binFrames < 1) {
    throw new MetdbError('invalid-argument', `binFrames must be an integer >= 1, got ${binFrames}`, {
      details: { option: 'binFrames', value: binFrames },
    });
  }
  if (!Number.isInteger(referenceFrame) || referenceFrame < 0 || referenceFrame >= frames.length) {
    throw new MetdbError('invalid-argument', `reference frame ${referenceFrame} is outside the series`, {
      details: { option: 'referenceFrame', value: referenceFrame },
    });
  }
  const bins: TimeBin[] = [];
  for (let s = 0; s < frames.length; s += binFrames)
    bins.push({ start: s, end: Math.min(frames.length, s + binFrames) });
  const referenceBin = Math.min(bins.length - 1, Math.floor(referenceFrame / binFrames));
  const pairIndices = seriesPairs(bins.length, mode, { window: rccWindow, reference: referenceBin });
  const params: RegisterTileParams = {
    upsampleFactor,
    normalization,
    window,
    preprocess: prep,
    quality: false,
  };
  const tiles = planTiles(shape, {
    tileSize: options.tileSize ?? (shape.length >= 3 ? 64 : 256),
    overlap: options.tileOverlap ?? 0.25,
  });
  const workspace = new TileWorkspace(); // the pairs' tiles, one after the other
  // Summed bins are kept while a later pair needs them (single frames are the frames themselves).
  const summed = new Map<number, NdArray>();
  const binOf = (b: number): NdArray => {
    const bin = summed.get(b) ?? sumFrames(frames, bins[b]!);
    if (binFrames > 1) summed.set(b, bin);
    return bin;
  };
  // Each bin's coarse shift onto the first: the pairs' tiles are cut at their difference.
  const first = bins.length > 1 ? binOf(0) : undefined;
  const predicted = bins.map((_, b) =>
    b === 0 || first === undefined ? shape.map(() => 0) : predictShift(first, binOf(b), workspace).shift,
  );
  // Each bin's reference tiles are prepared once and kept while a later pair still needs them.
  const lastUse = new Map<number, number>();
  pairIndices.forEach(([i, j], k) => (lastUse.set(i, k), lastUse.set(j, k)));
  const prepared = new Map<number, PreparedReferenceTile[]>();
  const referenceTiles = (b: number): PreparedReferenceTile[] => {
    let p = prepared.get(b);
    if (p === undefined) {
      const bin = binOf(b);
      p = tiles.map((t) => prepareReferenceTile(extractRegion(bin, t), params, workspace));
      prepared.set(b, p);
    }
    return p;
  };
  const pairs: PairShift[] = [];
  const evidence: (SeriesPairEvidence & { pair?: number })[] = [];
  pairIndices.forEach(([i, j], k) => {
    const reference = referenceTiles(i);
    const moving = binOf(j);
    const offset = predicted[j]!.map((s, a) => Math.round(s - predicted[i]![a]!) + 0);
    const measured = tiles.map((region, t) => {
      const r = registerTileAt({ reference: reference[t]!, moving, region, offset }, params, workspace);
      const peak = { peakRatio: r.peakRatio, samples: sizeOf(region.size), skipped: r.skipped ?? null };
      return { ...r, good: judgeTile(peak).quality === 'good', skipped: r.skipped !== undefined };
    });
    for (const b of [i, j]) {
      if (lastUse.get(b) !== k) continue;
      prepared.delete(b);
      summed.delete(b);
    }
    try {
      const { shift, weight, good } = pairShiftOfTiles(measured);
      evidence.push({ i, j, aboveChance: good, failed: false, rejected: false, pair: pairs.length });
      pairs.push({ i, j, shift, weight });
    } catch (error) {
      if (!isMetdbError(error, 'insufficient-data')) throw error;
      evidence.push({ i, j, aboveChance: false, failed: true, rejected: false });
    }
  });
  const times = frames.map((_, f) => f);
  const solved =
    bins.length === 1
      ? single(shape.length, frames.length)
      : binnedDrift(pairs, bins, times, { referenceTime: referenceFrame, interpolation, maxResidual });
  const shifts = solved.drift.map((d) => d.map((v) => (v === 0 ? 0 : -v)));
  const dropped = new Set(solved.solve.rejected);
  const verdict = judgeSeries({
    bins,
    pairs: evidence.map((e) => ({ ...e, rejected: e.pair !== undefined && dropped.has(e.pair) })),
    bridged: solved.bridged,
    errors: solved.errors,
    maxResidual,
    referenceFrame,
  });
  return { ...solved, shifts, bins, pairs, verdict };
}

/** One bin: nothing to register, zero drift. */
function single(ndim: number, frames: number): BinnedDriftResult {
  const zeros = (): number[][] => Array.from({ length: frames }, () => new Array<number>(ndim).fill(0));
  return {
    drift: zeros(),
    errors: zeros(),
    centres: [(frames - 1) / 2],
    binDrift: [new Array<number>(ndim).fill(0)],
    solve: { shifts: zeros().slice(0, 1), errors: zeros().slice(0, 1), rejected: [], residuals: [], rms: 0 },
    bridged: [],
  };
}

function sumFrames(frames: readonly NdArray[], bin: TimeBin): NdArray {
  if (bin.end - bin.start === 1) return frames[bin.start]!;
  const shape = frames[bin.start]!.shape;
  const sum = new Float64Array(sizeOf(shape));
  for (let f = bin.start; f < bin.end; f++) {
    const data = frames[f]!.data;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + data[i]!;
  }
  return { data: sum, shape };
}
