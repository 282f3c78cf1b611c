import { MetdbError } from '../errors/metdb-error.js';
import { pixelTypeOf, type NdArray } from '../ndarray/ndarray.js';
import { fourierShift } from '../registration/fourier-shift.js';
import { interpolatedShift } from '../registration/interpolated-shift.js';
import type { Matrix3 } from '../registration/similarity/transform-matrix.js';
import { warpToReference } from '../registration/warp-to-reference.js';

export interface RegisteredImageOptions {
  /**
   * 'spline': cubic B-spline (`interpolatedShift`, order 3, like scipy.ndimage.shift), pixels that
   * come from outside the image are `fill`; 'fourier': `fourierShift` (periodic: content wraps).
   * @default 'spline'
   */
  method?: 'spline' | 'fourier';
  /** Value of pixels with no source, 'spline' only. @default 0 */
  fill?: number;
}

/**
 * The image moved onto the reference grid: output[p] = image[p - shift], same shape and pixel
 * type as the input; integer types are rounded and clipped to their range (0-255, 0-65535).
 *
 * @param image pixels, axis order (z,) y, x (uint8, uint16 or float32)
 * @param shift the registering shift (as `phaseCrossCorrelation` returns it), pixels, same axes
 */
export function registeredImage<T extends Uint8Array | Uint16Array | Float32Array>(
  image: NdArray<T>,
  shift: readonly number[],
  options: RegisteredImageOptions = {},
): NdArray<T> {
  const { method = 'spline', fill = 0 } = options;
  if (shift.length !== image.shape.length) {
    throw new MetdbError(
      'invalid-argument',
      `registeredImage: shift has ${shift.length} axes, image ${image.shape.length}`,
      {
        details: { shift: [...shift], shape: [...image.shape] },
      },
    );
  }
  const moved =
    method === 'fourier'
      ? fourierShift(image, shift)
      : interpolatedShift(image, shift, { order: 3, mode: 'constant', cval: fill });
  return { data: castLike(image.data, moved.data), shape: [...image.shape] };
}

/**
 * The 2D image resampled onto the reference grid through a transform `matrix` (x, y pixels,
 * moving -> reference; docs/messages.md): cubic B-spline (`warpToReference`), `fill` where no
 * source pixel maps; same shape and pixel type (integers rounded and clipped).
 */
export function registeredImageByMatrix<T extends Uint8Array | Uint16Array | Float32Array>(
  image: NdArray<T>,
  matrix: readonly (readonly number[])[],
  options: Pick<RegisteredImageOptions, 'fill'> = {},
): NdArray<T> {
  if (image.shape.length !== 2 || matrix.length !== 3) {
    throw new MetdbError('invalid-argument', 'registeredImageByMatrix: needs a 2D image and a 3x3 matrix', {
      details: { shape: [...image.shape] },
    });
  }
  const moved = warpToReference(image, matrix as Matrix3, {
    order: 3,
    mode: 'constant',
    cval: options.fill ?? 0,
  });
  return { data: castLike(image.data, moved.data), shape: [...image.shape] };
}

/** `values` converted to the type of `like`, rounded and clipped for integer types. */
export function castLike<T extends Uint8Array | Uint16Array | Float32Array>(
  like: T,
  values: ArrayLike<number>,
): T {
  const type = pixelTypeOf(like);
  const n = values.length;
  if (type === 'float32') return Float32Array.from(values) as T;
  const max = type === 'uint8' ? 255 : 65535;
  const out = (type === 'uint8' ? new Uint8Array(n) : new Uint16Array(n)) as T;
  for (let i = 0; i < n; i++) {
    const v = Math.round(values[i]!);
    out[i] = Number.isNaN(v) ? 0 : v < 0 ? 0 : v > max ? max : v;
  }
  return out;
}
