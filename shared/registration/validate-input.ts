import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import type { ComplexNdArray } from './complex-ndarray.js';

const PIXEL_TYPES = [Uint8Array, Uint16Array, Float32Array, Float64Array] as const;

/** Checks one image: a supported typed array, a valid non-empty shape, finite values. */
export function assertImage(value: unknown, name: string, complex = false): asserts value is NdArray {
  if (typeof value !== 'object' || value === null) {
    throw new MetdbError('invalid-argument', `${name} must be an array with a shape, got ${String(value)}`);
  }
  const { data, shape } = value as { data?: unknown; shape?: unknown };
  const allowed = complex ? PIXEL_TYPES.slice(2) : PIXEL_TYPES;
  if (!allowed.some((T) => data instanceof T)) {
    const types = allowed.map((T) => T.name).join(', ');
    throw new MetdbError('invalid-argument', `${name}.data must be one of ${types}`, {
      details: { argument: name },
    });
  }
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || (s as number) < 0)) {
    throw new MetdbError('invalid-argument', `${name}.shape must be an array of non-negative integers`, {
      details: { argument: name, shape },
    });
  }
  const pixels = data as Float64Array;
  const size = sizeOf(shape as number[]);
  if (shape.length === 0 || size === 0) {
    throw new MetdbError('empty-array', `${name} is empty (shape [${shape.join(', ')}])`, {
      details: { argument: name, shape },
    });
  }
  if (pixels.length !== (complex ? 2 : 1) * size) {
    throw new MetdbError(
      'invalid-argument',
      `${name}.data has ${pixels.length} values, shape [${shape.join(', ')}] needs ${(complex ? 2 : 1) * size}`,
      { details: { argument: name, shape } },
    );
  }
}

/**
 * Throws the 'non-finite' error naming the first NaN or infinite value of a float image. Callers
 * detect non-finite input for free (it poisons the spectral energy) and call this to explain it.
 */
export function assertFinite(image: { data: ArrayLike<number> }, name: string): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new MetdbError('non-finite', `${name} contains a non-finite value (${data[i]}) at index ${i}`, {
        details: { argument: name, index: i },
      });
    }
  }
  throw new MetdbError('non-finite', `${name} overflows single precision (values beyond 3.4e38)`, {
    details: { argument: name },
  });
}

/** Checks a reference/moving pair: both valid, same shape. */
export function assertImagePair(
  reference: unknown,
  moving: unknown,
  complex = false,
): asserts reference is NdArray | ComplexNdArray {
  assertImage(reference, 'reference', complex);
  assertImage(moving, 'moving', complex);
  assertSameShape(reference.shape, moving.shape);
}

/** Throws 'shape-mismatch' unless the reference and moving shapes are equal. */
export function assertSameShape(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
    throw new MetdbError(
      'shape-mismatch',
      `reference and moving must have the same shape, got [${a.join(', ')}] and [${b.join(', ')}]`,
      { details: { reference: a, moving: b } },
    );
  }
}
