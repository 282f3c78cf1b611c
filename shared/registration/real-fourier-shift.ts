import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import { irfftn, rfftn } from './fft/fftn.js';
import { HeapBuffer } from './fft/pffft-module.js';

/**
 * `fourierShift` through real FFTs (the half spectrum, in single precision): the image shifted by
 * `shift` pixels (axis order (z,) y, x; positive moves content towards higher indices),
 * periodically, written into `out` (at least size(shape) long). About half the work of the
 * complex transforms, for the refinement passes of `registerTile`. The image must be finite.
 */
export function realFourierShift(
  image: NdArray,
  shift: readonly number[],
  out: Float64Array,
): NdArray<Float64Array> {
  const { shape } = image;
  const size = sizeOf(shape);
  const d = shape.length;
  const n = shape[d - 1]!;
  const h = Math.floor(n / 2) + 1;
  const rows = size / n;
  const buffer = new HeapBuffer(2 * h * rows);
  try {
    rfftn(image.data, shape, buffer);
    const row = rowPhasors(shape, shift);
    const v = buffer.view;
    const scale = 1 / size;
    for (let x = 0; x < h; x++) {
      const angle = (-2 * Math.PI * x * shift[d - 1]!) / n;
      rotate(v, 2 * x * rows, row, { re: Math.cos(angle) * scale, im: Math.sin(angle) * scale });
    }
    const data = out.subarray(0, size);
    irfftn(buffer, shape, data);
    return { data, shape: [...shape] };
  } finally {
    buffer.free();
  }
}

/** exp(-2 pi i sum_a f_a s_a) over the leading axes, one complex value per row (row-major). */
function rowPhasors(shape: readonly number[], shift: readonly number[]): Float64Array {
  const lead = shape.slice(0, -1);
  const rows = sizeOf(lead);
  const out = new Float64Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    let rest = r;
    let angle = 0;
    for (let a = lead.length - 1; a >= 0; a--) {
      const len = lead[a]!;
      const k = rest % len;
      rest = (rest - k) / len;
      angle += ((k < Math.ceil(len / 2) ? k : k - len) / len) * shift[a]!;
    }
    out[2 * r] = Math.cos(-2 * Math.PI * angle);
    out[2 * r + 1] = Math.sin(-2 * Math.PI * angle);
  }
  return out;
}

/** Multiplies the complex values from `start`, one per row phasor, by the phasors times `c`. */
function rotate(v: Float32Array, start: number, row: Float64Array, c: { re: number; im: number }): void {
  const { re: cr, im: ci } = c;
  for (let r = 0, rows = row.length / 2; r < rows; r++) {
    const pr = row[2 * r]! * cr - row[2 * r + 1]! * ci;
    const pi = row[2 * r]! * ci + row[2 * r + 1]! * cr;
    const i = start + 2 * r;
    const xr = v[i]!;
    const xi = v[i + 1]!;
    v[i] = xr * pr - xi * pi;
    v[i + 1] = xr * pi + xi * pr;
  }
}
