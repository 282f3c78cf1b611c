import { MetdbError } from '../errors/metdb-error.js';
import { pixelTypeOf, sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { fourierShift } from '../registration/fourier-shift.js';
import { interpolatedShift } from '../registration/interpolated-shift.js';
import type { DriftTable } from './drift-csv.js';

export interface ApplyDriftOptions {
  /**
   * 'fourier': subpixel and exact for band-limited content, periodic (what leaves one side enters
   * the other); 'spline': cubic B-spline, zeros where the frame has no data.
   * @default 'fourier'
   */
  method?: 'fourier' | 'spline';
}

type Pixels = Uint8Array | Uint16Array | Float32Array;

/**
 * Undoes a series' drift: frame k of `stack` (its first axis; the rest one 2D frame or one volume)
 * is shifted by minus its drift, so that every frame lines up with the reference frame. The result
 * keeps the pixel type (integers rounded and clipped to their range).
 *
 * @param stack frames along the first axis: [t, y, x], or [t, z, y, x] for a series of volumes
 * @param drift per frame, pixels, axis order (z,) y, x: one axis per axis of a frame
 * @throws MetdbError 'invalid-argument' when the drift's axes are not the frames' or it has fewer
 *   frames than the stack
 */
export function applyDrift<T extends Pixels>(
  stack: NdArray<T>,
  drift: DriftTable,
  options: ApplyDriftOptions = {},
): NdArray<T> {
  const { method = 'fourier' } = options;
  const [frames, ...plane] = stack.shape;
  if ((stack.shape.length !== 3 && stack.shape.length !== 4) || frames === undefined) {
    throw new MetdbError(
      'invalid-argument',
      `applyDrift: a stack of 2D frames [t, y, x] or volumes [t, z, y, x], got shape [${stack.shape.join(', ')}]`,
    );
  }
  if ((drift.drift[0]?.length ?? 0) !== plane.length) {
    throw new MetdbError(
      'invalid-argument',
      `applyDrift: a ${drift.drift[0]?.length ?? 0}D drift cannot be applied to ${plane.length}D frames (a ${plane.length === 3 ? '(z, y, x)' : '(y, x)'} drift is needed)`,
    );
  }
  if (drift.drift.length < frames) {
    throw new MetdbError(
      'invalid-argument',
      `applyDrift: the drift has ${drift.drift.length} frames, the stack ${frames}`,
    );
  }
  const size = sizeOf(plane);
  const out = new (stack.data.constructor as new (n: number) => T)(stack.data.length);
  const type = pixelTypeOf(stack.data);
  const max = type === 'uint8' ? 255 : type === 'uint16' ? 65535 : Infinity;
  for (let k = 0; k < frames; k++) {
    const frame: NdArray = { data: stack.data.subarray(k * size, (k + 1) * size), shape: plane };
    const shift = drift.drift[k]!.map((d) => -d);
    const moved =
      method === 'fourier'
        ? fourierShift(frame, shift)
        : interpolatedShift(frame, shift, { order: 3, mode: 'constant' });
    const target = out.subarray(k * size, (k + 1) * size);
    for (let i = 0; i < size; i++) {
      const v = moved.data[i]!;
      target[i] = max === Infinity ? v : Math.min(max, Math.max(0, Math.round(v)));
    }
  }
  return { data: out, shape: [...stack.shape] };
}
