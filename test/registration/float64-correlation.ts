/**
 * Test support: scikit-image's upsampled cross-correlation evaluated directly in double precision
 * (naive separable DFTs, any dimension), to tell a real disagreement from a tie that single
 * precision cannot resolve.
 */
import { sizeOf, stridesOf, type NdArray } from '../../shared/ndarray/ndarray.js';

/** Separable naive DFT in float64 of a real N-D array (interleaved complex output). */
export function dftN(image: NdArray): Float64Array {
  const shape = image.shape;
  const n = sizeOf(shape);
  let cur = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) cur[2 * i] = image.data[i]!;
  for (let axis = 0; axis < shape.length; axis++) {
    const len = shape[axis]!;
    const stride = stridesOf(shape)[axis]!;
    const cos = new Float64Array(len * len);
    const sin = new Float64Array(len * len);
    for (let j = 0; j < len; j++) {
      for (let k = 0; k < len; k++) {
        const angle = (-2 * Math.PI * ((j * k) % len)) / len;
        cos[j * len + k] = Math.cos(angle);
        sin[j * len + k] = Math.sin(angle);
      }
    }
    const next = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(i / stride) % len;
      const base = i - k * stride;
      let re = 0;
      let im = 0;
      for (let j = 0; j < len; j++) {
        const xr = cur[2 * (base + j * stride)]!;
        const xi = cur[2 * (base + j * stride) + 1]!;
        const c = cos[j * len + k]!;
        const s = sin[j * len + k]!;
        re += xr * c - xi * s;
        im += xr * s + xi * c;
      }
      next[2 * i] = re;
      next[2 * i + 1] = im;
    }
    cur = next;
  }
  return cur;
}

/**
 * |CC(p)| for a pair, in float64: the sum scikit-image's `_upsampled_dft` evaluates, frequencies
 * in fftfreq order (the Nyquist bin negative), phase-normalised or not.
 */
export function correlationAt(
  reference: NdArray,
  moving: NdArray,
  normalization: 'phase' | 'none',
): (shift: readonly number[]) => number {
  const shape = reference.shape;
  const a = dftN(reference);
  const b = dftN(moving);
  const n = sizeOf(shape);
  const p = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const pr = a[2 * i]! * b[2 * i]! + a[2 * i + 1]! * b[2 * i + 1]!;
    const pi = a[2 * i + 1]! * b[2 * i]! - a[2 * i]! * b[2 * i + 1]!;
    const mag = normalization === 'phase' ? Math.max(Math.hypot(pr, pi), 1e-300) : 1;
    p[2 * i] = pr / mag;
    p[2 * i + 1] = pi / mag;
  }
  const strides = stridesOf(shape);
  const freq = (k: number, len: number): number => (k < Math.ceil(len / 2) ? k : k - len);
  return (shift) => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      let turns = 0;
      for (let ax = 0; ax < shape.length; ax++) {
        const len = shape[ax]!;
        turns += (freq(Math.floor(i / strides[ax]!) % len, len) * shift[ax]!) / len;
      }
      const c = Math.cos(2 * Math.PI * turns);
      const s = Math.sin(2 * Math.PI * turns);
      re += p[2 * i]! * c - p[2 * i + 1]! * s;
      im += p[2 * i]! * s + p[2 * i + 1]! * c;
    }
    return Math.hypot(re, im);
  };
}
