import type { NdArray } from '../ndarray/ndarray.js';
import { sizeOf } from '../ndarray/ndarray.js';
import { chooseSmoothing, SMOOTHING_CANDIDATES } from './choose-smoothing.js';
import { halfShape, rfftn } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import { directMargin, DirectWorkspace, refineShiftDirect } from './refine-shift-direct.js';

/** What `refineShiftSmoothed` picks the smoothing from (see `chooseSmoothing`). */
export interface SmoothingEvidence {
  /** Half spectrum (`rfftn`'s layout) of the reference's centred, windowed pixels. */
  readonly referenceSpectrum: Float32Array | Float64Array;
  /** The moving image's centred, windowed pixels (transformed here). */
  readonly movingWindowed: NdArray<Float64Array>;
  /** White-noise power of each spectrum: the noise variance times the window's sum of squares. */
  readonly referenceNoise: number;
  readonly movingNoise: number;
}

/**
 * `refineShiftDirect` from `start` at the smoothing `chooseSmoothing` picks from the two images'
 * windowed spectra, among the candidates whose margins leave at least half of every axis.
 * Undefined (keep `start`) when no candidate fits the images or the refinement does not converge
 * near `start`.
 *
 * @param start the shift registering moving onto reference, pixels, axis order (z,) y, x
 */
export function refineShiftSmoothed(
  reference: NdArray,
  moving: NdArray,
  start: readonly number[],
  evidence: SmoothingEvidence,
  workspace = new DirectWorkspace(),
): number[] | undefined {
  const { shape } = reference;
  const shortest = Math.min(...shape.filter((n) => n > 1));
  const candidates = SMOOTHING_CANDIDATES.filter((s) => directMargin(s) <= shortest / 4).length;
  if (candidates === 0) return undefined;
  const buffer = new HeapBuffer(2 * sizeOf(halfShape(shape)));
  let sigma: number;
  try {
    rfftn(evidence.movingWindowed.data, shape, buffer);
    sigma = chooseSmoothing({
      shape,
      reference: evidence.referenceSpectrum,
      moving: buffer.view,
      shift: start,
      referenceNoise: evidence.referenceNoise,
      movingNoise: evidence.movingNoise,
      candidates,
    });
  } finally {
    buffer.free();
  }
  return refineShiftDirect(reference, moving, start, { sigma }, workspace)?.shift;
}
