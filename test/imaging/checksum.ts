import type { PixelArray } from '../../shared/ndarray/ndarray.js';

/**
 * The checksums printed by test/fixtures/images/make_fixtures.py: the sum of all pixels and the
 * weighted sum over the flat (C-order) index i of a[i] * (i % 251 + 1), which catches reordering.
 */
export function checksum(data: PixelArray): {
  sum: number;
  weighted: number;
  first: number;
  mid: number;
  last: number;
} {
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    sum += v;
    weighted += v * ((i % 251) + 1);
  }
  return {
    sum,
    weighted,
    first: data[0] ?? NaN,
    mid: data[data.length >> 1] ?? NaN,
    last: data[data.length - 1] ?? NaN,
  };
}
