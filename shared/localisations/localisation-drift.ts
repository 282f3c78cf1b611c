import { binnedDrift, type TimeBin } from '../aggregation/binned-drift.js';
import type { TrajectoryInterpolation } from '../aggregation/interpolate-trajectory.js';
import type { PairShift } from '../aggregation/redundant-cross-correlation.js';
import { seriesPairs } from '../aggregation/series-pairs.js';
import { MetdbError } from '../errors/metdb-error.js';
import { chooseLocalisationBinning } from './choose-binning.js';
import { registerBinPairs } from './register-bin-pairs.js';

/** Localisations in frame order: frame numbers and coordinates in nanometres. */
export interface Localisations {
  readonly frame: ArrayLike<number>;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Present for 3D data. */
  readonly z?: Float64Array;
}

export interface LocalisationDriftOptions {
  /** Frames per time bin (one rendered image each). @default chosen from the density (`chooseLocalisationBinning`) */
  binFrames?: number;
  /** Render pixel size, nm (voxels are cubes in 3D). @default chosen from the density */
  pixelSize?: number;
  /** Bins are paired with the next `window` bins (all pairs when window >= bins - 1). @default 10 */
  window?: number;
  /** How the bins' positions are carried onto every frame. @default 'cubic' */
  interpolation?: TrajectoryInterpolation;
  /** A pair whose residual exceeds this many nm is an outlier. @default half a render pixel */
  maxResidual?: number;
  /**
   * Gaussian blur of the rendered images, render pixels. A blur broadens the correlation peak, and
   * the bins' different samplings of the structure then move it more (in simulations, 1 pixel
   * tripled the error).
   * @default 0
   */
  blur?: number;
  /** Subpixel precision of each pair, 1/upsampleFactor of a render pixel. @default 50 */
  upsampleFactor?: number;
}

export interface LocalisationDrift {
  /** Every frame from the first to the last, in order. */
  frames: number[];
  /**
   * Per frame, the drift in nm, axis order x, y (, z): where the structure is at that frame minus
   * where it was at the first frame. Corrected coordinates are the measured ones minus this.
   */
  drift: number[][];
  /** Per frame, the drift's standard error per axis (x, y (, z)), nm (interpolated from the bins). */
  errors: number[][];
  /** The settings used (defaults resolved). */
  binFrames: number;
  pixelSize: number;
  window: number;
  /** The time bins, their centres and localisation counts. */
  bins: { start: number; end: number; centre: number; localisations: number }[];
  /** Pairs of bins registered: shift of j relative to i (x, y (, z) nm), weight, residual norm nm. */
  pairs: { i: number; j: number; shift: number[]; weight: number; residual: number; rejected: boolean }[];
  /** Weighted RMS residual of the pairs kept, nm. */
  rms: number;
}

/**
 * Drift of a localisation microscopy acquisition from the localisations themselves (redundant
 * cross-correlation, Wang et al. 2014, Opt. Express 22, 15982; the approach of PYME's and
 * Picasso's RCC): the frames are cut into time bins, each bin is rendered as a super-resolution
 * image (2D, or 3D with z), every pair of bins within `window` is registered by cross-correlation
 * (plain, not phase-normalised: point patterns carry their signal at low frequencies) refined to
 * 1/upsampleFactor of a pixel, the bins' positions are solved by weighted least squares (weights
 * 1 / (1/N_i + 1/N_j) for N localisations per bin; outlier pairs dropped while every bin stays
 * connected), and interpolated onto every frame.
 *
 * @throws MetdbError 'invalid-argument' for bad options; 'insufficient-data' for fewer than two
 *   bins' worth of frames or a bin pair graph that leaves a bin unconnected
 */
export function localisationDrift(
  locs: Localisations,
  options: LocalisationDriftOptions = {},
): LocalisationDrift {
  const n = locs.x.length;
  if (n === 0) throw new MetdbError('insufficient-data', 'localisationDrift: no localisations');
  const first = locs.frame[0]!;
  const last = locs.frame[n - 1]!;
  const chosen = chooseLocalisationBinning(locs, options);
  const { binFrames, pixelSize } = chosen;
  const { interpolation = 'cubic', blur = 0, upsampleFactor = 50 } = options;
  const maxResidual = options.maxResidual ?? pixelSize / 2;
  for (const [name, v, min] of [
    ['window', options.window ?? 10, 1],
    ['maxResidual', maxResidual, 0],
    ['blur', blur, 0],
    ['upsampleFactor', upsampleFactor, 1],
  ] as const) {
    if (!Number.isFinite(v) || v < min) {
      throw new MetdbError(
        'invalid-argument',
        `localisationDrift: ${name} must be a number >= ${min}, got ${v}`,
      );
    }
  }
  // Bins without localisations (a gap in the acquisition) are left out: nothing to render.
  const bins: TimeBin[] = [];
  const ranges: [number, number][] = [];
  let row = 0;
  for (let start = first; start <= last; start += binFrames) {
    const end = Math.min(last + 1, start + binFrames);
    const from = row;
    while (row < n && locs.frame[row]! < end) row++;
    if (row > from) {
      bins.push({ start, end });
      ranges.push([from, row]);
    }
  }
  if (bins.length < 2) {
    throw new MetdbError(
      'insufficient-data',
      `localisationDrift: the localisations fill a single bin of ${binFrames} frames; nothing to correlate`,
    );
  }
  const window = Math.min(options.window ?? 10, bins.length - 1);
  const counts = ranges.map(([from, to]) => to - from);
  const pairIndices = seriesPairs(bins.length, 'rcc', { window });
  const register = { blur, upsampleFactor };
  // x and y from 2D renders (fine pixels, cheap); z from volumes whose voxels are coarse in x and y.
  const lateral = registerBinPairs([locs.y, locs.x], ranges, pairIndices, {
    pixelSize: [pixelSize, pixelSize],
    ...register,
  });
  const axial =
    locs.z === undefined
      ? null
      : registerBinPairs([locs.z, locs.y, locs.x], ranges, pairIndices, {
          pixelSize: [2 * pixelSize, ...volumeLateralPixel(locs, 2 * pixelSize)],
          blur,
          // The volumes' refinement dominates the cost; 1/20 of a voxel is below the z precision.
          upsampleFactor: Math.min(upsampleFactor, 20),
        });
  // Pair shifts in nm, axis order x, y (, z).
  const pairs: PairShift[] = pairIndices.map(([i, j], k) => ({
    i,
    j,
    shift: [lateral[k]![1]!, lateral[k]![0]!, ...(axial === null ? [] : [axial[k]![0]!])].map((v) =>
      v === 0 ? 0 : -v,
    ),
    weight: 1 / (1 / counts[i]! + 1 / counts[j]!),
  }));
  const frames = Array.from({ length: last - first + 1 }, (_, k) => first + k);
  const solved = binnedDrift(pairs, bins, frames, {
    referenceTime: first,
    interpolation,
    maxResidual,
  });
  const rejected = new Set(solved.solve.rejected);
  return {
    frames,
    drift: solved.drift,
    errors: solved.errors,
    binFrames,
    pixelSize,
    window,
    bins: bins.map((b, k) => ({ ...b, centre: solved.centres[k]!, localisations: counts[k]! })),
    pairs: pairs.map((p, k) => ({
      i: p.i,
      j: p.j,
      shift: p.shift.map((v) => (v === 0 ? 0 : -v)),
      weight: p.weight ?? 1,
      residual: Math.hypot(...solved.solve.residuals[k]!),
      rejected: rejected.has(k),
    })),
    rms: solved.solve.rms,
  };
}

/**
 * Voxels of the volumes z is measured on: `zPixel` deep (z precision is typically twice to three
 * times the lateral one), x and y coarse enough for at most 2^19 voxels and at least 2 z voxels.
 */
function volumeLateralPixel(locs: Localisations, zPixel: number): [number, number] {
  const extent = (v: Float64Array): number => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      lo = Math.min(lo, v[i]!);
      hi = Math.max(hi, v[i]!);
    }
    return Math.max(hi - lo, zPixel);
  };
  const slices = extent(locs.z!) / zPixel + 16;
  const area = extent(locs.y) * extent(locs.x);
  const lateral = Math.max(2 * zPixel, Math.sqrt((area * slices) / (1 << 19)));
  return [lateral, lateral];
}
