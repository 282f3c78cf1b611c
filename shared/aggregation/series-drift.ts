import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { phaseCrossCorrelation } from '../registration/phase-cross-correlation.js';
import { CorrelationWorkspace } from '../registration/correlation-workspace.js';
import { prepareReference, type PreparedReference } from '../registration/prepared-reference.js';
import { preprocess } from '../registration/preprocess/preprocess.js';
import type { PreprocessOptions } from '../registration/preprocess/validate-preprocess-options.js';
import { binnedDrift, type BinnedDriftResult, type TimeBin } from './binned-drift.js';
import type { TrajectoryInterpolation } from './interpolate-trajectory.js';
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
  /** Subpixel precision of each pair (see `phaseCrossCorrelation`). @default 100 */
  upsampleFactor?: number;
  /** @default 'phase' */
  normalization?: 'phase' | 'none';
  /** Applied to each (binned) frame before registering; binning is not allowed here. @default { window: 'tukey' } */
  preprocess?: PreprocessOptions;
  /** Outlier threshold on a pair's residual, pixels (`rcc`). @default 0.5 */
  maxResidual?: number;
}

export interface SeriesDriftResult extends BinnedDriftResult {
  /** Per frame, the shift that registers it onto the reference frame (minus the drift), pixels. */
  shifts: number[][];
  /** The bins registered (single frames when `binFrames` is 1). */
  bins: TimeBin[];
  /** The pairs of bins registered, with their shifts and weights (the correlation peak ratio). */
  pairs: PairShift[];
}

/**
 * The drift of a series of frames (2D or 3D, one shape): frames binned in time, each bin
 * preprocessed and its spectrum computed once (`prepareReference`), the pairs of `mode`
 * registered by phase correlation, then solved by `binnedDrift` (weighted least squares over the
 * pairs, outliers dropped, an error per frame) and interpolated onto every frame.
 *
 * Units: pixels, axis order (z,) y, x. `drift` is where the content is at a frame minus where it
 * is at the reference frame; `shifts` (its negative) registers each frame onto the reference.
 *
 * @throws MetdbError 'invalid-argument' for bad options or frames of different shapes;
 *   'insufficient-data' when the pairs leave a frame unconnected
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
  const prep: PreprocessOptions = options.preprocess ?? { window: 'tukey' };
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
  // Each bin's spectrum is prepared once and kept while a later pair still needs it.
  const lastUse = new Map<number, number>();
  pairIndices.forEach(([i, j], k) => (lastUse.set(i, k), lastUse.set(j, k)));
  const prepared = new Map<number, PreparedReference>();
  const workspace = new CorrelationWorkspace(); // the pairs' surfaces, one after the other
  const spectrum = (b: number): PreparedReference => {
    let p = prepared.get(b);
    if (p === undefined) {
      p = prepareReference(preprocess(sumFrames(frames, bins[b]!), { ...prep, dtype: 'float32' }));
      prepared.set(b, p);
    }
    return p;
  };
  const pairs: PairShift[] = pairIndices.map(([i, j], k) => {
    const r = phaseCrossCorrelation(
      spectrum(i),
      spectrum(j),
      {
        upsampleFactor,
        normalization,
        returnPeakRatio: true,
      },
      workspace,
    );
    for (const b of [i, j]) if (lastUse.get(b) === k) prepared.delete(b);
    return { i, j, shift: r.shift, weight: Math.max(r.peakRatio ?? 1, 1e-6) };
  });
  const times = frames.map((_, f) => f);
  const solved =
    bins.length === 1
      ? single(shape.length, frames.length)
      : binnedDrift(pairs, bins, times, { referenceTime: referenceFrame, interpolation, maxResidual });
  const shifts = solved.drift.map((d) => d.map((v) => (v === 0 ? 0 : -v)));
  return { ...solved, shifts, bins, pairs };
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
