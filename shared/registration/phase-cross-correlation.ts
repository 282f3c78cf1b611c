import type { NdArray } from '../ndarray/ndarray.js';
import { MetdbError } from '../errors/metdb-error.js';
import type { ComplexNdArray } from './complex-ndarray.js';
import { correlateImages } from './correlate-images.js';
import { correlateSpectra } from './correlate-spectra.js';
import { CorrelationWorkspace } from './correlation-workspace.js';
import { resolveOptions, type PhaseCrossCorrelationOptions } from './phase-cross-correlation-options.js';
import { isPreparedReference, type PreparedReference } from './prepared-reference.js';
import type { PhaseCrossCorrelationResult } from './refine-peak.js';
import { assertImage, assertImagePair, assertSameShape } from './validate-input.js';

export type { PhaseCrossCorrelationOptions } from './phase-cross-correlation-options.js';
export type { PhaseCrossCorrelationResult } from './refine-peak.js';

/**
 * Efficient subpixel image translation registration by cross-correlation, with the meaning, sign
 * convention and numbers of scikit-image's `skimage.registration.phase_cross_correlation`
 * (0.19): the integer peak of the (phase-normalised) cross-correlation, then, for
 * `upsampleFactor > 1`, the upsampled DFT of Guizar-Sicairos et al. (2008) in a 1.5-pixel region
 * around it.
 *
 * - N-D (2D and 3D and more), any size: exact circular correlation (no padding), with mixed
 *   radix 2/3/5 PFFFT transforms and Bluestein's algorithm for other lengths.
 * - Computed in single precision (float32 FFTs); results agree with scikit-image to 1e-6 of a
 *   pixel except where two grid points of the upsampled peak tie.
 * - Axes of length 1 get shift 0. An all-zero image gives shift 0 (at upsample 1) and error NaN,
 *   as in scikit-image.
 *
 * `workspace` holds the buffers a call fills and reads before it returns; give the same one to
 * every call of a thread that registers many images (tiles) to spare their allocation. Without
 * one, each call allocates its own. Either way a call depends on its arguments alone.
 *
 * References: M. Guizar-Sicairos, S. T. Thurman and J. R. Fienup, Opt. Lett. 33, 156 (2008);
 * J. R. Fienup, Appl. Opt. 36, 8352 (1997).
 */
export function phaseCrossCorrelation(
  reference: NdArray | ComplexNdArray | PreparedReference,
  moving: NdArray | ComplexNdArray | PreparedReference,
  options?: PhaseCrossCorrelationOptions,
  workspace: CorrelationWorkspace = new CorrelationWorkspace(),
): PhaseCrossCorrelationResult {
  const opts = resolveOptions(options);
  const fourier = opts.space === 'fourier';
  if (isPreparedReference(reference) || isPreparedReference(moving)) {
    if (fourier) throw new MetdbError('invalid-argument', "a prepared image needs space 'real'");
    if (!isPreparedReference(moving)) assertImage(moving, 'moving');
    if (!isPreparedReference(reference)) assertImage(reference, 'reference');
    assertSameShape(reference.shape, moving.shape);
    const single = isSingle(reference) && isSingle(moving);
    return correlateImages(reference, moving, opts, epsilon(single), workspace);
  }
  assertImagePair(reference, moving, fourier);
  // skimage normalises with 100 eps of its computing type: float32 for float32 images.
  const single = reference.data instanceof Float32Array && moving.data instanceof Float32Array;
  return fourier
    ? correlateSpectra(
        reference as ComplexNdArray,
        moving as ComplexNdArray,
        opts,
        epsilon(single),
        workspace,
      )
    : correlateImages(reference, moving, opts, epsilon(single), workspace);
}

function isSingle(image: NdArray | PreparedReference): boolean {
  return isPreparedReference(image) ? image.single : image.data instanceof Float32Array;
}

function epsilon(single: boolean): number {
  return 100 * (single ? 1.1920928955078125e-7 : Number.EPSILON);
}
