import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { halfShape, rfftn } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import { assertFinite, assertImage } from './validate-input.js';

/**
 * A reference image's spectrum, computed once and reused for every moving image registered
 * against it (`phaseCrossCorrelation(prepared, moving)`): a third of the FFT work of a call. In
 * the pipeline, one reference tile serves every moving image of a dataset. Either side may be
 * prepared: in a series registered pair by pair (RCC), each frame's spectrum is computed once and
 * serves every pair it belongs to (`phaseCrossCorrelation(preparedI, preparedJ)`).
 */
export interface PreparedReference {
  readonly prepared: true;
  readonly shape: readonly number[];
  /** Half spectrum in the frequency-major layout of `rfftn` (interleaved float32). */
  readonly spectrum: Float32Array;
  /** True when the image was float32 (scikit-image then normalises with float32's epsilon). */
  readonly single: boolean;
}

export function prepareReference(reference: NdArray): PreparedReference {
  assertImage(reference, 'reference');
  const buffer = new HeapBuffer(2 * sizeOf(halfShape(reference.shape)));
  try {
    rfftn(reference.data, reference.shape, buffer);
    const spectrum = buffer.view.slice();
    if (!Number.isFinite(sumOfSquares(spectrum))) assertFinite(reference, 'reference');
    return {
      prepared: true,
      shape: [...reference.shape],
      spectrum,
      single: reference.data instanceof Float32Array,
    };
  } finally {
    buffer.free();
  }
}

/**
 * The loop on its own: inside `prepareReference`, V8 compiled it on the stack and then deoptimised
 * the code after it on nearly every call.
 */
function sumOfSquares(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return sum;
}

export function isPreparedReference(value: unknown): value is PreparedReference {
  return typeof value === 'object' && value !== null && (value as { prepared?: unknown }).prepared === true;
}
