import { MetdbError } from '../errors/metdb-error.js';
import { sizeOf, stridesOf, type NdArray, type PixelArray } from '../ndarray/ndarray.js';

/** A box `[start, start + size)` along each axis, axis order (z,) y, x, in pixels. */
export interface Region {
  readonly start: readonly number[];
  readonly size: readonly number[];
}

/**
 * Copies the sub-block `region` of `image` into a new array of the same pixel type (row-major,
 * shape `region.size`), or into the first elements of `into` when given (same pixel type, at
 * least as long: a buffer the caller reuses from tile to tile). The image is left unchanged.
 *
 * @throws MetdbError 'invalid-argument' when the region has the wrong number of axes or leaves the
 *   image, or `into` is of another type or too short
 */
export function extractRegion<T extends PixelArray>(image: NdArray<T>, region: Region, into?: T): NdArray<T> {
  const { shape, data } = image;
  const { start, size } = region;
  const ndim = shape.length;
  const fits =
    start.length === ndim &&
    size.length === ndim &&
    shape.every((n, a) => {
      const s = start[a]!;
      const z = size[a]!;
      return Number.isInteger(s) && Number.isInteger(z) && s >= 0 && z >= 1 && s + z <= n;
    });
  if (!fits) {
    throw new MetdbError(
      'invalid-argument',
      `extractRegion: region start [${start.join(', ')}] size [${size.join(', ')}] is not inside shape [${shape.join(', ')}]`,
      { details: { shape: [...shape], start: [...start], size: [...size] } },
    );
  }
  const length = sizeOf(size);
  if (into !== undefined && (into.constructor !== data.constructor || into.length < length)) {
    throw new MetdbError(
      'invalid-argument',
      `extractRegion: the output buffer must be a ${data.constructor.name} of at least ${length} elements`,
    );
  }
  const Ctor = data.constructor as new (n: number) => T;
  const out = into === undefined ? new Ctor(length) : (into.subarray(0, length) as T);
  const strides = stridesOf(shape);
  const last = ndim - 1;
  const run = size[last]!;
  const rows = out.length / run;
  const index = new Array<number>(ndim).fill(0);
  // Copy one contiguous run along the last axis per row, odometer over the other axes.
  for (let r = 0; r < rows; r++) {
    let offset = start[last]!;
    for (let a = 0; a < last; a++) offset += (start[a]! + index[a]!) * strides[a]!;
    out.set(data.subarray(offset, offset + run), r * run);
    for (let a = last - 1; a >= 0; a--) {
      if (++index[a]! < size[a]!) break;
      index[a] = 0;
    }
  }
  return { data: out, shape: [...size] };
}
