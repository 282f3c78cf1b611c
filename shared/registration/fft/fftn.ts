import { sizeOf, type PixelArray } from '../../ndarray/ndarray.js';
import type { Direction } from './complex-plan.js';
import { HeapBuffer } from './pffft-module.js';
import { realPlan } from './real-plan.js';
import { transformAxis } from './transform-axis.js';
import { irfft3, rfft3 } from './real-volume-fft.js';
import { foldRowPeak } from './row-peak.js';

/**
 * N-D FFTs over row-major arrays, all unnormalised (like numpy with norm="backward" minus the
 * 1/N of the inverse). Complex data are interleaved float32 (re, im) in the WebAssembly heap.
 * Real transforms keep the half spectrum along the last axis (numpy's rfftn layout).
 */

/** Shape of the half spectrum of a real array of `shape`: last axis floor(n/2) + 1. */
export function halfShape(shape: readonly number[]): number[] {
  const out = [...shape];
  const last = out.length - 1;
  out[last] = Math.floor(out[last]! / 2) + 1;
  return out;
}

/**
 * Shape of the frequency-major half spectrum that `rfftn` produces: [h, d0, ..., d(k-1)] for a
 * real array [d0, ..., d(k-1), n] with h = floor(n/2) + 1. The last-axis frequency comes first,
 * so that every other axis is transformed on (nearly) contiguous lines and a 2D transform needs no
 * strided gathers at all; element (x, r) is at x * rows + r, r the row index of the real array.
 */
export function frequencyMajorShape(shape: readonly number[]): number[] {
  const n = shape[shape.length - 1]!;
  return [Math.floor(n / 2) + 1, ...shape.slice(0, -1)];
}

/**
 * Rows transformed together before a blocked transpose into the frequency-major layout: 32 avoids
 * the cache-set conflicts that 16 meets at power-of-two sizes.
 */
const ROWS_PER_BLOCK = 32;

/** Complex N-D FFT in place over every axis. */
export function fftnInPlace(buffer: HeapBuffer, shape: readonly number[], direction: Direction): void {
  for (let axis = shape.length - 1; axis >= 0; axis--) transformAxis(buffer, shape, axis, direction);
}

/**
 * Real-input N-D FFT into the frequency-major half spectrum (see `frequencyMajorShape`;
 * `out` holds 2 * size(halfShape(shape)) floats).
 */
export function rfftn(input: PixelArray, shape: readonly number[], out: HeapBuffer): void {
  if (shape.length === 3) return rfft3(input, shape, out);
  const n = shape[shape.length - 1]!;
  const plan = realPlan(n);
  const h = plan.h;
  const rows = sizeOf(shape) / n;
  // Scratch rows of an even number of complex values stay 16-byte aligned for in-place transforms.
  const hs = h + (h % 2);
  const scratch = new HeapBuffer(2 * hs * ROWS_PER_BLOCK);
  try {
    const s = scratch.view;
    const s64 = new Float64Array(s.buffer, scratch.ptr, hs * ROWS_PER_BLOCK);
    const o64 = new Float64Array(s.buffer, out.ptr, out.length / 2);
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_BLOCK) {
      const b = Math.min(ROWS_PER_BLOCK, rows - r0);
      for (let t = 0; t < b; t++) {
        const row = (r0 + t) * n;
        s.set(input.subarray(row, row + n), 2 * t * hs);
        plan.forwardInHeap(scratch.at(2 * t * hs));
      }
      // Blocked transpose: complex values move as one float64 (a float32 pair, bits copied).
      for (let x = 0; x < h; x++) {
        const dst = x * rows + r0;
        for (let t = 0; t < b; t++) o64[dst + t] = s64[t * hs + x]!;
      }
    }
  } finally {
    scratch.free();
  }
  const spectral = frequencyMajorShape(shape);
  for (let axis = spectral.length - 1; axis >= 1; axis--) transformAxis(out, spectral, axis, 'forward');
}

/**
 * Inverse of `rfftn` (unnormalised: divide by size(shape) for the true inverse). `spectrum`
 * (frequency-major) is overwritten. `out` receives size(shape) real values, row-major. Returns
 * the flat index of the value of largest magnitude (the first on ties, as numpy's argmax), found
 * while each row is still in cache.
 */
export function irfftn(
  spectrum: HeapBuffer,
  shape: readonly number[],
  out: Float32Array | Float64Array,
): number {
  if (shape.length === 3) return irfft3(spectrum, shape, out);
  const spectral = frequencyMajorShape(shape);
  for (let axis = 1; axis < spectral.length; axis++) transformAxis(spectrum, spectral, axis, 'backward');
  const n = shape[shape.length - 1]!;
  const plan = realPlan(n);
  const h = plan.h;
  const rows = sizeOf(shape) / n;
  const hs = h + (h % 2);
  const scratch = new HeapBuffer(2 * hs * ROWS_PER_BLOCK);
  try {
    const s = scratch.view;
    const s64 = new Float64Array(s.buffer, scratch.ptr, hs * ROWS_PER_BLOCK);
    const i64 = new Float64Array(s.buffer, spectrum.ptr, spectrum.length / 2);
    const peak = { index: 0, abs: -1 };
    for (let r0 = 0; r0 < rows; r0 += ROWS_PER_BLOCK) {
      const b = Math.min(ROWS_PER_BLOCK, rows - r0);
      for (let x = 0; x < h; x++) {
        const src = x * rows + r0;
        for (let t = 0; t < b; t++) s64[t * hs + x] = i64[src + t]!;
      }
      for (let t = 0; t < b; t++) {
        plan.backwardInHeap(scratch.at(2 * t * hs));
        out.set(s.subarray(2 * t * hs, 2 * t * hs + n), (r0 + t) * n);
        foldRowPeak(s, 2 * t * hs, n, (r0 + t) * n, peak);
      }
    }
    return peak.index;
  } finally {
    scratch.free();
  }
}
