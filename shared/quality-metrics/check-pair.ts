import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';

/** Throws unless `a` and `b` have the same shape and at least `minimum` pixels. */
export function checkPair(a: NdArray, b: NdArray, name: string, minimum = 2): void {
  const same = a.shape.length === b.shape.length && a.shape.every((n, k) => n === b.shape[k]);
  if (!same) {
    throw new MetdbError(
      'shape-mismatch',
      `${name}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`,
      { details: { a: [...a.shape], b: [...b.shape] } },
    );
  }
  if (a.data.length < minimum) {
    throw new MetdbError('empty-array', `${name}: needs at least ${minimum} pixels, got ${a.data.length}`);
  }
}
