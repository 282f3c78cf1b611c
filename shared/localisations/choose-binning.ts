import { MetdbError } from '../errors/metdb-error.js';

/** What `chooseLocalisationBinning` reads: frames in order and coordinates in nm. */
export interface BinningInput {
  readonly frame: ArrayLike<number>;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z?: Float64Array;
}

/** Localisations per time bin aimed at: enough for a shift to a nanometre or two on most structures. */
const PER_BIN = 4000;
/** Bin count limits: at least 8 knots for the trajectory, at most 100 (pairs grow as bins x window). */
const MIN_BINS = 8;
const MAX_BINS = 100;
/** Largest rendered image side, so that a pair stays well under a second. */
const MAX_SIDE = 2048;

/**
 * Time bin and render pixel size for localisation drift, from the data when not given:
 * - bins of about 4000 localisations (8 to 100 bins), `binFrames` frames each;
 * - a pixel an eighth of the mean spacing of one bin's localisations over the data's bounding box
 *   (dense data gets fine pixels, sparse data coarse ones), between 10 and 50 nm, and coarse
 *   enough that an image is at most 2048 pixels wide.
 *
 * @throws MetdbError 'invalid-argument' for a given value that is not a positive number
 */
export function chooseLocalisationBinning(
  locs: BinningInput,
  options: { binFrames?: number; pixelSize?: number } = {},
): { binFrames: number; pixelSize: number } {
  const n = locs.x.length;
  const frames = n === 0 ? 1 : locs.frame[n - 1]! - locs.frame[0]! + 1;
  if (options.binFrames !== undefined && !(Number.isInteger(options.binFrames) && options.binFrames >= 1)) {
    throw new MetdbError('invalid-argument', `binFrames must be an integer >= 1, got ${options.binFrames}`);
  }
  if (options.pixelSize !== undefined && !(Number.isFinite(options.pixelSize) && options.pixelSize > 0)) {
    throw new MetdbError(
      'invalid-argument',
      `pixelSize must be a positive number of nm, got ${options.pixelSize}`,
    );
  }
  const bins = Math.min(frames, Math.max(MIN_BINS, Math.min(MAX_BINS, Math.round(n / PER_BIN))));
  const binFrames = options.binFrames ?? Math.max(1, Math.ceil(frames / bins));
  if (options.pixelSize !== undefined) return { binFrames, pixelSize: options.pixelSize };
  const extents = [locs.x, locs.y].map(extent);
  const perBin = n / Math.max(1, Math.ceil(frames / binFrames));
  const spacing = Math.sqrt((Math.max(extents[0]!, 1) * Math.max(extents[1]!, 1)) / Math.max(perBin, 1));
  const pixelSize = Math.max(Math.min(50, Math.max(10, spacing / 8)), Math.max(...extents) / MAX_SIDE);
  // A round number of nm: easier to read back and to reproduce.
  return { binFrames, pixelSize: Math.ceil(pixelSize) };
}

function extent(values: Float64Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return values.length === 0 ? 0 : hi - lo;
}
