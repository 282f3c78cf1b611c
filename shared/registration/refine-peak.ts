import { chooseWindow, type Upsampled } from './choose-window.js';
import type { ResolvedOptions } from './phase-cross-correlation-options.js';

export interface PhaseCrossCorrelationResult {
  /**
   * The shift (in pixels, axis order (z,) y, x) required to register `moving` with `reference`:
   * shifting `moving` by `shift` (for example with `fourierShift`) aligns it with `reference`.
   */
  shift: number[];
  /** Translation-invariant normalised RMS error, sqrt|1 - |CCmax|^2 / (E_ref E_mov)|, as skimage. */
  error: number;
  /** Global phase difference between the two images (radians), atan2 of the peak. */
  phasediff: number;
  /**
   * With `returnPeakRatio`: height of the phase-correlation peak over the RMS background of the
   * correlation surface (see `peakRatio`); about sqrt(2 ln N) for unrelated images, tens to
   * hundreds for a real match. A quality figure for weighting tiles.
   */
  peakRatio?: number;
}

/** The integer peak of the coarse cross-correlation: its index and complex value (1/N scaled). */
export interface Peak {
  index: number[];
  value: [number, number];
}

/** What `refinePeak` needs besides the coarse peak. */
export interface RefinePeakInput {
  /** The images' shape, axis order (z,) y, x. */
  readonly shape: readonly number[];
  readonly options: ResolvedOptions;
  /** Sum of |F|^2 of the reference's and the moving image's spectra (for `error`). */
  readonly sourceAmplitude: number;
  readonly targetAmplitude: number;
  /** Number of pixels. */
  readonly size: number;
  /** Evaluates the upsampled DFT of the cross-power spectrum (the refinement). */
  readonly upsampled: Upsampled;
  /** The real integer-grid correlation surface, when there is one. */
  readonly surface?: Float32Array;
}

/**
 * Wraps the coarse peak to signed shifts, refines it if asked, and computes error and phase.
 *
 * `surface`, the real integer-grid correlation when there is one, lets the refinement evaluate
 * only the part of scikit-image's 1.5-pixel box where the peak can be (see `peakWindow`), when
 * that is markedly cheaper: in 3D, and in 2D for images not much wider than the box (tiles). For
 * large 2D images the cost is set by the image width, not the box, and the whole box is evaluated.
 */
export function refinePeak(coarse: Peak, input: RefinePeakInput): PhaseCrossCorrelationResult {
  const { shape, options: opts, size, upsampled, surface } = input;
  const srcAmp = input.sourceAmplitude;
  const tgtAmp = input.targetAmplitude;
  const shift = coarse.index.map((i, a) => (i > Math.trunc(shape[a]! / 2) ? i - shape[a]! : i));
  let ccMax = coarse.value;
  let amps = (srcAmp / size) * (tgtAmp / size);
  const u = opts.upsampleFactor;
  if (u > 1) {
    const region = Math.ceil(u * 1.5);
    const dftshift = Math.trunc(region / 2);
    const rounded = shift.map((s) => Math.round(s * u) / u);
    // Typed arrays: the same element kinds on every call keep the optimised code (plain arrays of
    // numbers switch between small-integer and double elements with the values).
    const start = Float64Array.from(rounded, (s) => s - dftshift / u);
    const window =
      surface === undefined
        ? undefined
        : chooseWindow({ surface, shape, start, region, upsample: u, upsampled });
    const offset = Int32Array.from(window?.offset ?? shape.map(() => 0));
    const points = Int32Array.from(window?.points ?? shape.map(() => region));
    const cc = upsampled(
      start.map((s, a) => s + offset[a]! / u),
      points,
      u,
    );
    const best = argmaxMagnitude(cc);
    const fine = unravel(best, Array.from(points));
    for (let a = 0; a < shift.length; a++) {
      shift[a] = rounded[a]! + (offset[a]! + fine[a]! - dftshift) / u;
    }
    ccMax = [cc[2 * best]!, cc[2 * best + 1]!];
    amps = srcAmp * tgtAmp;
  }
  for (let a = 0; a < shape.length; a++) if (shape[a] === 1) shift[a] = 0;
  const error = Math.sqrt(Math.abs(1 - (ccMax[0] * ccMax[0] + ccMax[1] * ccMax[1]) / amps));
  return { shift, error, phasediff: Math.atan2(ccMax[1], ccMax[0]) };
}

/** Index of the complex value (interleaved) of largest magnitude; the first one on ties. */
function argmaxMagnitude(cc: Float32Array): number {
  let best = 0;
  let bestAbs = -1;
  for (let i = 0; i < cc.length / 2; i++) {
    const v = cc[2 * i]! * cc[2 * i]! + cc[2 * i + 1]! * cc[2 * i + 1]!;
    if (v > bestAbs) {
      bestAbs = v;
      best = i;
    }
  }
  return best;
}

export function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    const s = shape[a]!;
    out[a] = index % s;
    index = Math.floor(index / s);
  }
  return out;
}
