/**
 * A small typed N-D array shared by the whole code base: row-major (C order) pixels and a shape.
 *
 * Axis order is (z,) y, x for a single channel, as in scikit-image. The last axis varies fastest:
 * the element at index (i0, i1, ..., ik) is `data[((i0 * shape[1] + i1) * shape[2] + ...) + ik]`.
 */
export type PixelArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

/** The pixel types Met-db reads, computes on and writes. */
export type PixelType = 'uint8' | 'uint16' | 'float32' | 'float64';

export interface NdArray<T extends PixelArray = PixelArray> {
  readonly data: T;
  readonly shape: readonly number[];
}

/** Number of elements of an array with this shape (1 for a 0-D shape). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides (in elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k] ?? 1;
  }
  return strides;
}

export function pixelTypeOf(data: PixelArray): PixelType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

export function ndarray<T extends PixelArray>(data: T, shape: readonly number[]): NdArray<T> {
  if (sizeOf(shape) !== data.length) {
    throw new RangeError(
      `shape [${shape.join(', ')}] needs ${sizeOf(shape)} elements, data has ${data.length}`,
    );
  }
  return { data, shape: [...shape] };
}

/** Whether `array` is a plane (y, x) or a volume (z, y, x) of whole positive lengths that `data` fills. */
export function isPlaneOrVolume({ shape, data }: NdArray): boolean {
  return (
    (shape.length === 2 || shape.length === 3) &&
    shape.every((s) => Number.isInteger(s) && s >= 1) &&
    sizeOf(shape) === data.length
  );
}
