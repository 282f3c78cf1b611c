/**
 * A complex N-D array: interleaved (re, im) pairs, row-major, `data.length === 2 * size(shape)`.
 * Used for Fourier-space inputs (`space: 'fourier'`) and Fourier-domain results.
 */
export interface ComplexNdArray {
  readonly complex: true;
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly number[];
}

export function isComplexNdArray(value: unknown): value is ComplexNdArray {
  return typeof value === 'object' && value !== null && (value as { complex?: unknown }).complex === true;
}
