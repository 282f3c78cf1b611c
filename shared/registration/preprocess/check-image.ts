import { MetdbError } from '../../errors/metdb-error.js';
import { sizeOf, type NdArray } from '../../ndarray/ndarray.js';

/**
 * Checks an input image of the numerical core: a shape of positive integer lengths that matches the
 * data, at least one element, and only finite values (8/16-bit data is finite by construction).
 *
 * @param image the image, axis order (z,) y, x
 * @param where the caller's name, for the error message
 * @throws MetdbError 'invalid-argument' (bad shape), 'empty-array' (no element), 'non-finite' (NaN, ±Infinity)
 */
export function checkImage(image: NdArray, where: string): void {
  const { data, shape } = image;
  if (shape.length === 0) {
    throw new MetdbError('invalid-argument', `${where}: the image needs at least one axis`, {
      details: { shape: [...shape] },
    });
  }
  for (const length of shape) {
    if (!Number.isInteger(length) || length < 0) {
      throw new MetdbError('invalid-argument', `${where}: bad shape [${shape.join(', ')}]`, {
        details: { shape: [...shape] },
      });
    }
  }
  if (sizeOf(shape) !== data.length) {
    throw new MetdbError(
      'invalid-argument',
      `${where}: shape [${shape.join(', ')}] needs ${sizeOf(shape)} elements, data has ${data.length}`,
      { details: { shape: [...shape], length: data.length } },
    );
  }
  if (data.length === 0) {
    throw new MetdbError('empty-array', `${where}: the image is empty (shape [${shape.join(', ')}])`, {
      details: { shape: [...shape] },
    });
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (v - v !== 0) {
        throw new MetdbError(
          'non-finite',
          `${where}: the image holds a non-finite value (${v}) at index ${i}`,
          {
            details: { index: i },
          },
        );
      }
    }
  }
}
