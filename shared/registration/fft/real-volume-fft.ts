import type { PixelArray } from '../../imaging/ndarray.js';
import { complexPlan } from './complex-plan.js';
import { HeapBuffer } from './pffft-module.js';
import { rowPeak } from './row-peak.js';
import { realPlan } from './real-plan.js';

/**
 * The 3D real FFT in the frequency-major layout of `rfftn` ([h][Z][Y] for a real [Z][Y][n]
 * volume, h = floor(n/2) + 1), with the transform along Z done while the data is in cache.
 *
 * The generic path transforms the rows, transposes them into the layout, and then gathers every
 * Z line of the whole 16-byte-per-value spectrum with stride Y, transforms it and scatters it
 * back: two extra passes over an array far larger than the caches. Here the rows of a few Y at a
 * time and every Z (a slab that fits in L2) are transformed into a scratch buffer, the Z lines
 * are transformed there, and only then written to the layout. The Y lines are contiguous in the
 * layout and are transformed in place afterwards. `irfft3` runs the same steps backwards.
 */

/** Complex values per slab scratch (512 KiB, within L2). */
const SLAB_VALUES = 1 << 16;

/**
 * Y values per slab: a power of two up to 8 (a cache line of the layout holds 8 complex values,
 * so whole lines are written at once) whose slab fits in SLAB_VALUES.
 */
function slabWidth(Z: number, Y: number, h: number): number {
  const fit = Math.max(1, Math.floor(SLAB_VALUES / (Z * (h + 1))));
  let w = 1;
  while (w * 2 <= Math.min(8, fit)) w *= 2;
  return Math.min(Y, w);
}

/** Complex values per slab line: h rounded up to even, so every line stays 16-byte aligned. */
const lineStride = (h: number): number => h + (h % 2);

export function rfft3(input: PixelArray, shape: readonly number[], out: HeapBuffer): void {
  const [Z, Y, n] = shape as [number, number, number];
  const plan = realPlan(n);
  const h = plan.h;
  const zPlan = complexPlan(Z);
  const width = slabWidth(Z, Y, h);
  const hs = lineStride(h);
  const slab = new HeapBuffer(2 * hs * Z * width);
  const lines = new HeapBuffer(2 * Z * width);
  try {
    const s = slab.view;
    const s64 = new Float64Array(s.buffer, slab.ptr, hs * Z * width);
    const l64 = new Float64Array(s.buffer, lines.ptr, Z * width);
    const o64 = new Float64Array(s.buffer, out.ptr, out.length / 2);
    for (let y0 = 0; y0 < Y; y0 += width) {
      const w = Math.min(width, Y - y0);
      // Row (z, y0 + t) of the volume into slab line t * Z + z, transformed there.
      for (let t = 0; t < w; t++) {
        for (let z = 0; z < Z; z++) {
          const row = (z * Y + y0 + t) * n;
          const line = 2 * (t * Z + z) * hs;
          s.set(input.subarray(row, row + n), line);
          plan.forwardInHeap(slab.at(line));
        }
      }
      for (let x = 0; x < h; x++) {
        for (let t = 0; t < w; t++) {
          const src = t * Z * hs + x;
          for (let z = 0; z < Z; z++) l64[t * Z + z] = s64[src + z * hs]!;
          zPlan.transform(lines.at(2 * t * Z), 'forward');
        }
        const base = x * Z * Y + y0;
        for (let z = 0; z < Z; z++) {
          const dst = base + z * Y;
          for (let t = 0; t < w; t++) o64[dst + t] = l64[t * Z + z]!;
        }
      }
    }
  } finally {
    slab.free();
    lines.free();
  }
  transformLines(out, h * Z, Y, 'forward');
}

/** As `irfftn`: returns the flat index of the first value of largest magnitude. */
export function irfft3(
  spectrum: HeapBuffer,
  shape: readonly number[],
  out: Float32Array | Float64Array,
): number {
  const [Z, Y, n] = shape as [number, number, number];
  const plan = realPlan(n);
  const h = plan.h;
  transformLines(spectrum, h * Z, Y, 'backward');
  const zPlan = complexPlan(Z);
  const width = slabWidth(Z, Y, h);
  const hs = lineStride(h);
  const slab = new HeapBuffer(2 * hs * Z * width);
  const lines = new HeapBuffer(2 * Z * width);
  try {
    const s = slab.view;
    const s64 = new Float64Array(s.buffer, slab.ptr, hs * Z * width);
    const l64 = new Float64Array(s.buffer, lines.ptr, Z * width);
    const i64 = new Float64Array(s.buffer, spectrum.ptr, spectrum.length / 2);
    let peak = 0;
    let peakAbs = -1;
    for (let y0 = 0; y0 < Y; y0 += width) {
      const w = Math.min(width, Y - y0);
      for (let x = 0; x < h; x++) {
        const base = x * Z * Y + y0;
        for (let z = 0; z < Z; z++) {
          const src = base + z * Y;
          for (let t = 0; t < w; t++) l64[t * Z + z] = i64[src + t]!;
        }
        for (let t = 0; t < w; t++) {
          zPlan.transform(lines.at(2 * t * Z), 'backward');
          const dst = t * Z * hs + x;
          for (let z = 0; z < Z; z++) s64[dst + z * hs] = l64[t * Z + z]!;
        }
      }
      for (let t = 0; t < w; t++) {
        for (let z = 0; z < Z; z++) {
          const line = 2 * (t * Z + z) * hs;
          plan.backwardInHeap(slab.at(line));
          const row = (z * Y + y0 + t) * n;
          out.set(s.subarray(line, line + n), row);
          // Rows come out of row-major order: on a tie the smaller index wins.
          const k = rowPeak(s, line, n);
          const v = Math.abs(s[line + k]!);
          if (v > peakAbs || (v === peakAbs && row + k < peak)) {
            peakAbs = v;
            peak = row + k;
          }
        }
      }
    }
    return peak;
  } finally {
    slab.free();
    lines.free();
  }
}

/**
 * Transforms `count` contiguous complex lines of `length` in place. Odd-length lines are not all
 * 16-byte aligned: they go through one aligned scratch line each.
 */
function transformLines(
  buffer: HeapBuffer,
  count: number,
  length: number,
  direction: 'forward' | 'backward',
): void {
  if (length === 1) return;
  const plan = complexPlan(length);
  if (length % 2 === 0) {
    for (let i = 0; i < count; i++) plan.transform(buffer.at(2 * i * length), direction);
    return;
  }
  const line = new HeapBuffer(2 * length);
  try {
    const heap = line.view;
    const data = new Float64Array(heap.buffer, buffer.ptr, buffer.length / 2);
    const l64 = new Float64Array(heap.buffer, line.ptr, length);
    for (let i = 0; i < count; i++) {
      l64.set(data.subarray(i * length, (i + 1) * length));
      plan.transform(line.ptr, direction);
      data.set(l64, i * length);
    }
  } finally {
    line.free();
  }
}
