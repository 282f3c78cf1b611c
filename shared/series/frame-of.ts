import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, type NdArray, type PixelArray } from '../ndarray/ndarray.js';

/** Frames `[start, start + count)` of a series: the planes of a decoded stack, `frameShape` each. */
export interface FrameSpan {
  readonly start: number;
  readonly count: number;
}

/**
 * One frame of a series held as a decoded stack (frames along axis 0, each of `frameShape`:
 * (y, x), or (z, y, x) for a series of volumes): a view of the stack's pixels (no copy), or,
 * for a span of several frames (time binning), their sum as float32.
 *
 * @throws MetdbError 'invalid-value' when the stack does not hold the span
 */
export function frameOf(stack: NdArray, frameShape: readonly number[], span: FrameSpan): NdArray {
  const size = sizeOf(frameShape);
  const frames = size === 0 ? 0 : stack.data.length / size;
  const trailing = stack.shape.slice(stack.shape.length - 2);
  if (
    !Number.isInteger(frames) ||
    trailing.some((n, k) => n !== frameShape[frameShape.length - 2 + k]) ||
    span.start < 0 ||
    span.count < 1 ||
    span.start + span.count > frames
  ) {
    throw new MetdbError(
      'invalid-value',
      `frames ${span.start}..${span.start + span.count - 1} of ${frameShape.join('x')} are not in a stack of ${stack.shape.join('x')}`,
      { details: { stack: stack.shape, frameShape, span } },
    );
  }
  const view = (k: number): PixelArray => stack.data.subarray(k * size, (k + 1) * size);
  if (span.count === 1) return { data: view(span.start), shape: [...frameShape] };
  const sum = new Float32Array(size);
  for (let k = span.start; k < span.start + span.count; k++) {
    const plane = view(k);
    for (let i = 0; i < size; i++) sum[i] = sum[i]! + plane[i]!;
  }
  return { data: sum, shape: [...frameShape] };
}
