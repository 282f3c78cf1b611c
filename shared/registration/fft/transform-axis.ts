import { sizeOf } from '../../ndarray/ndarray.js';
import { complexPlan, type Direction } from './complex-plan.js';
import { HeapBuffer } from './pffft-module.js';

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
  if (stride === 1 && n % 2 === 0) {
    // Contiguous lines of an even length stay 16-byte aligned: transform them where they are.
    for (let o = 0; o < outer; o++) plan.transform(buffer.at(2 * o * n), direction);
    return;
  }
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
