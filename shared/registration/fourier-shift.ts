import { sizeOf, stridesOf, type NdArray } from '../ndarray/ndarray.js';
import { MetdbError } from '../errors/metdb-error.js';
import { fftnInPlace } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';
import { assertImage } from './validate-input.js';

/**
 * Shifts an image by `shift` pixels (axis order (z,) y, x; positive moves content towards higher
 * indices) by multiplying its spectrum by exp(-2 pi i k.shift / n): subpixel and periodic (content
 * leaving one side enters on the other). Equals
 * `np.fft.ifftn(scipy.ndimage.fourier_shift(np.fft.fftn(image), shift)).real`.
 *
 * To register a moving image with the shift from `phaseCrossCorrelation`, call
 * `fourierShift(moving, result.shift)`.
 */
export function fourierShift(image: NdArray, shift: readonly number[]): NdArray<Float64Array> {
  assertImage(image, 'image');
  const { shape } = image;
  if (shift.length !== shape.length || shift.some((s) => !Number.isFinite(s))) {
    throw new MetdbError(
      'invalid-argument',
      `fourierShift: shift must have ${shape.length} finite values, got [${shift.join(', ')}]`,
    );
  }
  const size = sizeOf(shape);
  const strides = stridesOf(shape);
  const buffer = new HeapBuffer(2 * size);
  try {
    let v = buffer.view;
    const d = image.data;
    for (let i = 0; i < size; i++) {
      v[2 * i] = d[i]!;
      v[2 * i + 1] = 0;
    }
    fftnInPlace(buffer, shape, 'forward');
    // Per-axis phase ramps exp(-2 pi i f_a s_a), f_a = fftfreq(n_a), multiplied together.
    const ramps = shape.map((n, a) => {
      const ramp = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        const f = (k < Math.ceil(n / 2) ? k : k - n) / n;
        const angle = -2 * Math.PI * f * shift[a]!;
        ramp[2 * k] = Math.cos(angle);
        ramp[2 * k + 1] = Math.sin(angle);
      }
      return ramp;
    });
    v = buffer.view;
    for (let i = 0; i < size; i++) {
      let pr = 1;
      let pi = 0;
      let rest = i;
      for (let a = 0; a < shape.length; a++) {
        const k = Math.floor(rest / strides[a]!);
        rest -= k * strides[a]!;
        const ramp = ramps[a]!;
        const rr = ramp[2 * k]!;
        const ri = ramp[2 * k + 1]!;
        const t = pr * rr - pi * ri;
        pi = pr * ri + pi * rr;
        pr = t;
      }
      const xr = v[2 * i]!;
      const xi = v[2 * i + 1]!;
      v[2 * i] = xr * pr - xi * pi;
      v[2 * i + 1] = xr * pi + xi * pr;
    }
    fftnInPlace(buffer, shape, 'backward');
    v = buffer.view;
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = v[2 * i]! / size;
    return { data: out, shape: [...shape] };
  } finally {
    buffer.free();
  }
}
