import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, pixelTypeOf, type NdArray, type PixelArray } from '../ndarray/ndarray.js';

export interface BinSectionsOptions {
  /** Sections per bin. @default 2 */
  factor?: number;
}

/**
 * Bins a stack (z, y, x) along z: each output section is the mean of `factor` consecutive input
 * sections (the FIB-SEM toolkit's z binning, mode 'mean'), so the z spacing grows by `factor`
 * while x and y stay; a trailing group of fewer sections is dropped. The pixel type is kept,
 * integer means rounded to the nearest value (uint8 and uint16 stay in range).
 *
 * @throws MetdbError 'invalid-argument' for another rank, a factor < 1 or more sections than the stack has
 */
export function binSections<T extends PixelArray>(
  stack: NdArray<T>,
  options: BinSectionsOptions = {},
): NdArray<T> {
  const { factor = 2 } = options;
  const { shape, data } = stack;
  if (shape.length !== 3 || !Number.isInteger(factor) || factor < 1 || factor > shape[0]!) {
    throw new MetdbError(
      'invalid-argument',
      `binSections: needs a stack (z, y, x) of at least ${factor} sections and an integer factor >= 1, got [${shape.join(', ')}] and ${factor}`,
    );
  }
  const sections = Math.floor(shape[0]! / factor);
  const plane = shape[1]! * shape[2]!;
  const type = pixelTypeOf(data);
  const out = new (data.constructor as new (n: number) => T)(sections * plane);
  const sum = new Float64Array(plane);
  for (let z = 0; z < sections; z++) {
    sum.fill(0);
    for (let k = 0; k < factor; k++) {
      const offset = (z * factor + k) * plane;
      for (let i = 0; i < plane; i++) sum[i]! += data[offset + i]!;
    }
    const target = z * plane;
    for (let i = 0; i < plane; i++) {
      const mean = sum[i]! / factor;
      out[target + i] = type === 'uint8' || type === 'uint16' ? Math.round(mean) : mean;
    }
  }
  return ndarray(out, [sections, shape[1]!, shape[2]!]);
}
