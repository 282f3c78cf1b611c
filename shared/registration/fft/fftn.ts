import { sizeOf, type PixelArray } from '../../imaging/ndarray.js';
import { complexPlan, type Direction } from './complex-plan.js';
import { HeapBuffer } from './pffft-module.js';
import { realPlan } from './real-plan.js';

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

const LINES_PER_BATCH = 16;

/**
 * Transforms every line along `axis` of a complex array (shape counts complex elements) in place.
 * Lines are gathered a few at a time into an aligned scratch buffer so that memory is read in
 * contiguous runs, transformed by the cached 1-D plan, and scattered back.
 */
export function transformAxis(
  buffer: HeapBuffer,
  shape: readonly number[],
  axis: number,
  direction: Direction,
): void {
  const n = shape[axis]!;
  if (n === 1) return;
  const plan = complexPlan(n);
  let stride = 1;
  for (let k = axis + 1; k < shape.length; k++) stride *= shape[k]!;
  const outer = sizeOf(shape) / (n * stride);
  const batch = Math.min(LINES_PER_BATCH, stride);
  const scratch = new HeapBuffer(2 * n * batch);
  try {
    // Complex values move as one float64 each (a float32 pair): half the element operations.
    // The bit patterns are copied, not interpreted (finite float32 pairs are never a NaN double).
    const data = new Float64Array(buffer.view.buffer, buffer.ptr, buffer.length / 2);
    const s = new Float64Array(scratch.view.buffer, scratch.ptr, n * batch);
    for (let o = 0; o < outer; o++) {
      const base = o * n * stride;
      for (let i0 = 0; i0 < stride; i0 += batch) {
        const b = Math.min(batch, stride - i0);
        for (let j = 0; j < n; j++) {
          const src = base + j * stride + i0;
          for (let t = 0; t < b; t++) s[t * n + j] = data[src + t]!;
        }
        for (let t = 0; t < b; t++) plan.transform(scratch.at(2 * t * n), direction);
        for (let j = 0; j < n; j++) {
          const dst = base + j * stride + i0;
          for (let t = 0; t < b; t++) data[dst + t] = s[t * n + j]!;
        }
      }
    }
  } finally {
    scratch.free();
  }
}

/** Complex N-D FFT in place over every axis. */
export function fftnInPlace(buffer: HeapBuffer, shape: readonly number[], direction: Direction): void {
  for (let axis = shape.length - 1; axis >= 0; axis--) transformAxis(buffer, shape, axis, direction);
}

/** Real-input N-D FFT: `out` receives the half spectrum (2 * size(halfShape(shape)) floats). */
export function rfftn(input: PixelArray, shape: readonly number[], out: HeapBuffer): void {
  const spectral = halfShape(shape);
  const n = shape[shape.length - 1]!;
  const plan = realPlan(n);
  const rows = sizeOf(shape) / n;
  const o = out.view;
  const h2 = 2 * plan.h;
  for (let r = 0; r < rows; r++) plan.forward(input, r * n, o, r * h2);
  for (let axis = shape.length - 2; axis >= 0; axis--) transformAxis(out, spectral, axis, 'forward');
}

/**
 * Inverse of `rfftn` (unnormalised: divide by size(shape) for the true inverse). `spectrum` is
 * overwritten. `out` receives size(shape) real values.
 */
export function irfftn(
  spectrum: HeapBuffer,
  shape: readonly number[],
  out: Float32Array | Float64Array,
): void {
  const spectral = halfShape(shape);
  for (let axis = 0; axis < shape.length - 1; axis++) transformAxis(spectrum, spectral, axis, 'backward');
  const n = shape[shape.length - 1]!;
  const plan = realPlan(n);
  const rows = sizeOf(shape) / n;
  const s = spectrum.view;
  const h2 = 2 * plan.h;
  for (let r = 0; r < rows; r++) plan.backward(s, r * h2, out, r * n);
}
