import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { realFourierShift } from '../registration/real-fourier-shift.js';
import { refineShiftSmoothed } from '../registration/refine-shift-smoothed.js';
import { phaseCrossCorrelation } from '../registration/phase-cross-correlation.js';
import { prepareReference, type PreparedReference } from '../registration/prepared-reference.js';
import { hannWindow } from '../registration/preprocess/hann-window.js';
import { checkImage } from '../registration/preprocess/check-image.js';
import { hasPreprocessSteps, preprocess } from '../registration/preprocess/preprocess.js';
import { tukeyWindow } from '../registration/preprocess/tukey-window.js';
import { resolveWindow, type Window, type WindowOption } from '../registration/preprocess/window-option.js';
import {
  validatePreprocessOptions,
  type PreprocessOptions,
} from '../registration/preprocess/validate-preprocess-options.js';
import { DEFAULT_MIN_TILE_SIGNAL, tileSignal } from './tile-signal.js';
import { TileWorkspace } from './tile-workspace.js';

export interface RegisterTileParams {
  /** Subpixel precision 1/upsampleFactor pixel, as `phaseCrossCorrelation`. @default 1 */
  upsampleFactor?: number;
  /** 'phase' (phase correlation) or 'none' (plain cross-correlation). @default 'phase' */
  normalization?: 'phase' | 'none';
  /**
   * Window applied to both tiles (after subtracting each tile's mean) before correlating, so that
   * content entering or leaving across the tile border does not create a false peak at zero shift:
   * 'hann', 'tukey' (alpha 0.5), `{ type: 'tukey', alpha }`, or 'none' / false.
   * @default DEFAULT_WINDOW (Tukey, alpha 0.5)
   */
  window?: WindowOption;
  /**
   * With normalization 'phase': frequencies are weighted by 1 / (|P| + beta E), P the cross-power
   * spectrum and E the cross-power that the two tiles' pixel noise alone gives (their noise
   * standard deviations, `tileSignal`'s `noise`, times the window's energy): where the tiles'
   * common signal stands more than about beta times above the noise, phase correlation's
   * weights; where it does not, plain cross-correlation's, which lets the noise weigh no more
   * than its power. Phase correlation amplifies noise on low-texture tiles and errs by many
   * pixels there; plain cross-correlation has a broad peak on clean ones. 0 is plain phase
   * correlation. See `phaseCrossCorrelation`'s `regularization`.
   * @default 16
   */
  noiseRegularization?: number;
  /**
   * Refinement passes: the moving tile Fourier-shifted by the estimate and registered again, the
   * residual added. The window weighs the two tiles' content differently unless it is aligned,
   * which pulls the peak towards zero by a fraction of the shift (more for a broad peak); once
   * aligned there is nothing left to pull. 0 keeps the first estimate.
   * @default 1
   */
  refinements?: number;
  /**
   * After the correlation, align the tiles' pixels directly over their valid overlap
   * (`refineShiftSmoothed`: Broyden's method on the squared difference of the two tiles, both
   * smoothed by a Gaussian whose width `chooseSmoothing` picks against the noise). The
   * correlation's window discards the content near the tile's borders and its frequency weights
   * are fixed; here every pixel of the overlap counts once and the weighting suits the noise.
   * Kept only when it converges near the correlation's estimate. false keeps the correlation's
   * shift, as do tiles of weight 0 (no peak above chance: the aggregation does not use them) and
   * tiles too small for the narrowest smoothing's margins (under 20 px along an axis).
   * @default true when `upsampleFactor` > 1 (a subpixel shift is asked for)
   */
  direct?: boolean;
  /**
   * Preprocessing of both tiles before windowing (`preprocess` of shared/registration; give no
   * `window` there, use `window` above). With binning, shifts are still reported in tile pixels.
   * @default none
   */
  preprocess?: PreprocessOptions;
  /**
   * Tiles whose `tileSignal(...).signal` (the lower of reference and moving, measured on the raw
   * tiles) is below this are skipped and not correlated. 0 correlates every tile.
   * @default DEFAULT_MIN_TILE_SIGNAL (0.1)
   */
  minSignal?: number;
  /**
   * Compute `quality` (the NCC of the tiles after the shift: a pass over both tiles, about 5 % of
   * a 128² tile's registration). false leaves it NaN, for callers that do not use it (the
   * pipeline records the peak ratio and weight).
   * @default true
   */
  quality?: boolean;
}

export interface TileRegistration {
  /** Shift registering the moving tile onto the reference tile, pixels, axis order (z,) y, x. */
  shift: number[];
  /**
   * Translation-invariant normalised RMS error of the registered tiles, sqrt(1 - quality²)
   * (Guizar-Sicairos et al. 2008 over the valid overlap; not `phaseCrossCorrelation`'s skimage
   * figure, which upsampling leaves unnormalised). NaN when skipped or `quality` is not computed.
   */
  error: number;
  /** `phaseCrossCorrelation`'s phase difference, radians (0 when skipped). */
  phasediff: number;
  /**
   * Correlation quality in [-1, 1]: the NCC of the (preprocessed, unwindowed) tiles after shifting
   * the moving tile by `shift`, over their valid overlap only. Near 1 for real matches, near 0 for
   * noise; NaN when skipped, undefined, or not asked for (`params.quality` false).
   */
  quality: number;
  /**
   * `peakRatio` of the correlation surface of the last pass (phase correlation, noise-regularised
   * with `noiseRegularization`): about 4 for noise, tens and more for real matches (0 when skipped).
   */
  peakRatio: number;
  /**
   * Suggested aggregation weight, `max(0, peakRatio / sqrt(2 ln N) - 1)` with N the number of
   * pixels of the tile: sqrt(2 ln N) is what the peak of pure noise reaches, so noise-only and
   * failed tiles weigh about 0 and clear matches weigh 1 to 20. 0 when skipped.
   */
  weight: number;
  /** The lower `tileSignal(...).signal` of the two raw tiles. */
  signal: number;
  /** Set when the tile was not registered: why. */
  skipped?: 'low-signal';
}

/**
 * What `registerTile` needs of a reference tile, computed once and reused for every moving image
 * registered against it (the pipeline caches these per process): its signal, its preprocessed
 * pixels (for the NCC) and the spectrum of its centred, windowed pixels.
 */
export interface PreparedReferenceTile {
  readonly preparedTile: true;
  readonly shape: readonly number[];
  readonly signal: number;
  /** The reference tile's pixel noise (`tileSignal`'s `noise`), in preprocessed units. */
  readonly noise: number;
  /**
   * Preprocessed pixels (the reference tile itself, not a copy, when there is no preprocessing
   * step: leave it unchanged), or undefined when the tile is too flat to register.
   */
  readonly reference?: NdArray;
  readonly spectrum?: PreparedReference;
}

/**
 * Prepares a reference tile for `registerTile` with these parameters (`workspace`: as
 * `registerTile`'s).
 */
export function prepareReferenceTile(
  referenceTile: NdArray,
  params: RegisterTileParams = {},
  workspace = new TileWorkspace(),
): PreparedReferenceTile {
  const window = resolveWindow(params.window, 'registerTile');
  const measured = tileSignal(referenceTile, workspace.signal);
  const { signal } = measured;
  const shape = [...referenceTile.shape];
  const options = preprocessOptionsOf(params, window);
  const noise = measured.noise * noiseGain(options, shape.length);
  if (signal < (params.minSignal ?? DEFAULT_MIN_TILE_SIGNAL))
    return { preparedTile: true, shape, signal, noise };
  const reference = preprocessed(referenceTile, options);
  const spectrum = prepareReference(centredWindowed(reference, window, workspace));
  return { preparedTile: true, shape, signal, noise, reference, spectrum };
}

/**
 * Registers one moving tile onto its reference tile: signal check, optional preprocessing, mean
 * removal and window, `phaseCrossCorrelation`, then a quality figure usable as a weight.
 * Pure: no IO, deterministic, the result a function of the arguments alone. The reference may be
 * prepared once by `prepareReferenceTile` (with the same parameters) and reused: the results are
 * identical.
 *
 * @param referenceTile reference pixels, axis order (z,) y, x, or their prepared form
 * @param movingTile moving pixels, same shape
 * @param workspace buffers reused from tile to tile by one thread (see `TileWorkspace`); a new
 *   one for this call when absent
 * @throws MetdbError 'shape-mismatch', 'empty-array', 'non-finite', 'invalid-argument'
 */
export function registerTile(
  referenceTile: NdArray | PreparedReferenceTile,
  movingTile: NdArray,
  params: RegisterTileParams = {},
  workspace = new TileWorkspace(),
): TileRegistration {
  const prepared =
    'preparedTile' in referenceTile ? referenceTile : prepareReferenceTile(referenceTile, params, workspace);
  const { shape } = prepared;
  if (movingTile.shape.length !== shape.length || movingTile.shape.some((n, k) => n !== shape[k])) {
    throw new MetdbError(
      'shape-mismatch',
      `registerTile: tile shapes [${shape.join(', ')}] and [${movingTile.shape.join(', ')}] differ`,
    );
  }
  const { upsampleFactor = 1, normalization = 'phase' } = params;
  const window = resolveWindow(params.window, 'registerTile');
  const { noiseRegularization = 16, refinements = 1 } = params;
  const minSignal = params.minSignal ?? DEFAULT_MIN_TILE_SIGNAL;
  const movingSignal = tileSignal(movingTile, workspace.signal);
  const signal = Math.min(prepared.signal, movingSignal.signal);
  if (signal < minSignal || prepared.reference === undefined || prepared.spectrum === undefined) {
    return {
      shift: shape.map(() => 0),
      error: Number.NaN,
      phasediff: 0,
      quality: Number.NaN,
      peakRatio: 0,
      weight: 0,
      signal,
      skipped: 'low-signal',
    };
  }
  const options = preprocessOptionsOf(params, window);
  const { reference } = prepared;
  const moving = preprocessed(movingTile, options);
  const bins = binFactors(options, shape.length);
  const noise = prepared.noise * movingSignal.noise * noiseGain(options, shape.length);
  const correlation = {
    upsampleFactor,
    normalization,
    regularization: normalization === 'phase' ? noiseRegularization * noise * windowEnergy(window, shape) : 0,
    returnPeakRatio: true,
  };
  // A pass that a refinement follows needs no finer grid than the window's pull it leaves
  // (tenths of a pixel), nor its peak ratio.
  const first =
    refinements > 0
      ? { ...correlation, upsampleFactor: Math.min(upsampleFactor, COARSE_UPSAMPLE), returnPeakRatio: false }
      : correlation;
  let result = phaseCrossCorrelation(
    prepared.spectrum,
    centredWindowed(moving, window, workspace),
    first,
    workspace.correlation,
  );
  for (let pass = 0; pass < refinements && result.shift.every(Number.isFinite); pass++) {
    const aligned = realFourierShift(
      centred(moving, workspace),
      result.shift,
      workspace.shifted.take(moving.data.length),
    );
    const residual = phaseCrossCorrelation(
      prepared.spectrum,
      centredWindowed(aligned, window, workspace),
      correlation,
      workspace.correlation,
    );
    result = { ...residual, shift: result.shift.map((s, k) => s + residual.shift[k]!) };
  }
  const baseline = Math.sqrt(2 * Math.log(Math.max(2, reference.data.length)));
  const weight = Math.max(0, (result.peakRatio ?? 0) / baseline - 1);
  // A tile without a peak above chance (weight 0) is not used: nothing to refine.
  if ((params.direct ?? upsampleFactor > 1) && weight > 0 && result.shift.every(Number.isFinite)) {
    const energy = windowEnergy(window, shape);
    const direct = refineShiftSmoothed(
      reference,
      moving,
      result.shift,
      {
        referenceSpectrum: prepared.spectrum.spectrum,
        movingWindowed: centredWindowed(moving, window, workspace),
        referenceNoise: prepared.noise ** 2 * energy,
        movingNoise: (movingSignal.noise * noiseGain(options, shape.length)) ** 2 * energy,
      },
      workspace.direct,
    );
    if (direct !== undefined) result = { ...result, shift: direct };
  }
  const peakRatio = result.peakRatio ?? 0;
  const quality =
    params.quality === false
      ? Number.NaN
      : normalizedCrossCorrelation(reference, moving, { shift: result.shift });
  const shift = result.shift.map((s, k) => (s === 0 ? 0 : s * bins[k]!));
  return {
    shift,
    error: Number.isFinite(quality) ? Math.sqrt(Math.max(0, 1 - quality * quality)) : Number.NaN,
    phasediff: result.phasediff,
    quality,
    peakRatio,
    weight,
    signal,
  };
}

function preprocessOptionsOf(params: RegisterTileParams, window: Window): PreprocessOptions {
  const options = validatePreprocessOptions(params.preprocess ?? {});
  if (options.window !== undefined && window.type !== 'none') {
    throw new MetdbError(
      'invalid-argument',
      "registerTile: give the window either in params.window or in params.preprocess.window, not both (set window: 'none')",
    );
  }
  return options;
}

/**
 * The tile after the preprocessing steps of `options`; with none, the tile itself (checked as
 * `preprocess` checks it): every later step reads its pixels as float64 anyway, so `preprocess`'s
 * float64 copy would only be one more array to allocate per tile.
 */
function preprocessed(tile: NdArray, options: PreprocessOptions): NdArray {
  if (hasPreprocessSteps(options)) return preprocess(tile, options);
  checkImage(tile, 'registerTile');
  return tile;
}

/**
 * The image minus its mean, times the window, in the workspace's buffer (`phaseCrossCorrelation`
 * consumes it at once).
 */
function centredWindowed(image: NdArray, window: Window, workspace: TileWorkspace): NdArray<Float64Array> {
  const { data, shape } = image;
  const mean = meanOf(data);
  const out = workspace.windowed.take(data.length);
  if (window.type === 'none') subtract(data, mean, out);
  else subtractAndWeigh(data, mean, windowOf(window, shape), out);
  return { data: out, shape: [...shape] };
}

// One loop per function: V8 compiles a loop on the stack, and the code after it in the same
// function then deoptimised on every tile (2621 times in 5400 tiles).
function meanOf(data: NdArray['data']): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  return sum / data.length;
}

function subtract(data: NdArray['data'], mean: number, out: Float64Array): void {
  for (let i = 0; i < data.length; i++) out[i] = data[i]! - mean;
}

function subtractAndWeigh(
  data: NdArray['data'],
  mean: number,
  w: Float32Array | Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < data.length; i++) out[i] = (data[i]! - mean) * w[i]!;
}

/** Windows by kind, alpha and shape: every tile of a job has the same one (a few are kept). */
const windows = new Map<string, Float32Array | Float64Array>();

function windowOf(
  window: Exclude<Window, { type: 'none' }>,
  shape: readonly number[],
): Float32Array | Float64Array {
  const alpha = window.type === 'tukey' ? window.alpha : 1;
  const key = `${window.type}:${alpha}:${shape.join('x')}`;
  let w = windows.get(key);
  if (w === undefined) {
    if (windows.size >= 16) windows.clear();
    w = (window.type === 'hann' ? hannWindow(shape) : tukeyWindow(shape, { alpha })).data;
    windows.set(key, w);
  }
  return w;
}

/** Upsampling of a pass that a refinement pass follows. */
const COARSE_UPSAMPLE = 10;

/** The mean-removed tile, for the refinement's Fourier shift. */
function centred(image: NdArray, workspace: TileWorkspace): NdArray<Float64Array> {
  const out = workspace.centred.take(image.data.length);
  subtract(image.data, meanOf(image.data), out);
  return { data: out, shape: image.shape };
}

/** Sum of the window's squares: the factor by which it scales white noise's power spectrum. */
function windowEnergy(window: Window, shape: readonly number[]): number {
  if (window.type === 'none') return shape.reduce((p, n) => p * n, 1);
  const w = windowOf(window, shape);
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i]! * w[i]!;
  return sum;
}

/** How preprocessing scales the raw tiles' noise standard deviation: binning sums k pixels, sqrt(k). */
function noiseGain(options: PreprocessOptions, ndim: number): number {
  return Math.sqrt(binFactors(options, ndim).reduce((p, f) => p * f, 1));
}

/** The binning factor per axis of validated preprocess options (1 without binning). */
function binFactors(options: PreprocessOptions, ndim: number): number[] {
  const bin = options.bin;
  const factor = typeof bin === 'object' ? (bin.factor ?? 2) : 1;
  return Array.isArray(factor) ? [...factor] : new Array<number>(ndim).fill(factor);
}
