import { normalizedCrossCorrelation } from '../aggregation/ncc.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { commonBox, cropToBox, type EvaluationBox } from './evaluation-box.js';
import {
  fourierRingCorrelation,
  type FourierRingCorrelation,
  type FourierRingCorrelationOptions,
} from './fourier-ring-correlation.js';
import { FIXED_THRESHOLD, frcCrossing } from './frc-threshold.js';
import { mutualInformation, type MutualInformation } from './mutual-information.js';
import { normalizedSumOfAbsoluteDifferences } from './nsad.js';
import { snrFromCorrelation } from './two-image-snr.js';

/** A physical length, e.g. a pixel size { value: 8, unit: 'nm' }. */
export interface PhysicalLength {
  readonly value: number;
  readonly unit: string;
}

export interface PairQualityOptions {
  /** Region compared (every section of a stack). @default the common area of both images */
  box?: EvaluationBox;
  /** Joint histogram bins of `mi` (see `mutualInformation`). @default 2048 */
  bins?: number;
  /** Turns the FRC cutoff into a physical resolution. @default none (pixels only) */
  pixelSize?: PhysicalLength;
  /** FRC window (see `fourierRingCorrelation`). @default { window: FRC_WINDOW } */
  frc?: FourierRingCorrelationOptions;
}

/** Where the FRC curve crosses a threshold, as a frequency and as a resolution. */
export interface FrcCutoff {
  /** Cycles per pixel; the curve's last frequency when `reached` is false. */
  readonly frequency: number;
  /** 1 / frequency: the period, in pixels, of the finest detail the two images share. */
  readonly resolutionPx: number;
  /** resolutionPx times the pixel size, in `unit`; null when the pixel size is unknown. */
  readonly resolution: number | null;
  readonly unit: string | null;
  /** False when the curve never fell below the threshold (the resolution is finer than stated). */
  readonly reached: boolean;
}

export interface PairQuality {
  readonly box: EvaluationBox;
  /** Pearson correlation of the pixel values over the box. */
  readonly ncc: number;
  readonly nsad: number;
  readonly mi: MutualInformation;
  /** Two-image SNR from ncc (Frank and Al-Ali 1975), a power ratio. */
  readonly snr: number;
  readonly frc: FourierRingCorrelation & {
    /** Crossing of the fixed 1/7 threshold, with the half-bit crossing beside it. */
    readonly cutoff: (FrcCutoff & { readonly halfBit: FrcCutoff | null }) | null;
  };
}

/**
 * Every pair metric of two images of the same object (two registered sections, two exposures, two
 * halves of a dataset) over their common area or an evaluation box. 2D images give a Fourier ring
 * correlation; 3D stacks a Fourier shell correlation of the two volumes.
 */
export function pairQuality(a: NdArray, b: NdArray, options: PairQualityOptions = {}): PairQuality {
  const box = commonBox(a.shape, b.shape, options.box);
  const ca = cropToBox(a, box);
  const cb = cropToBox(b, box);
  const ncc = normalizedCrossCorrelation(ca, cb);
  const curve = fourierRingCorrelation(ca, cb, options.frc);
  const fixed = toCutoff(frcCrossing(curve.frequency, curve.correlation, FIXED_THRESHOLD), options.pixelSize);
  const halfBit = toCutoff(frcCrossing(curve.frequency, curve.correlation, curve.halfBit), options.pixelSize);
  return {
    box,
    ncc,
    nsad: normalizedSumOfAbsoluteDifferences(ca, cb),
    mi: mutualInformation(ca, cb, options.bins === undefined ? {} : { bins: options.bins }),
    snr: snrFromCorrelation(ncc),
    frc: { ...curve, cutoff: fixed === null ? null : { ...fixed, halfBit } },
  };
}

function toCutoff(
  crossing: { frequency: number; reached: boolean } | undefined,
  pixelSize: PhysicalLength | undefined,
): FrcCutoff | null {
  if (crossing === undefined) return null;
  const resolutionPx = 1 / crossing.frequency;
  return {
    frequency: crossing.frequency,
    resolutionPx,
    resolution: pixelSize === undefined ? null : resolutionPx * pixelSize.value,
    unit: pixelSize?.unit ?? null,
    reached: crossing.reached,
  };
}
