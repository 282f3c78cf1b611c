import type { PixelArray } from '../../ndarray/ndarray.js';
import { complexPlan } from './complex-plan.js';
import { HeapBuffer } from './pffft-module.js';
import { foldRowPeak } from './row-peak.js';
import { realPlan } from './real-plan.js';
import { transformAxis } from './transform-axis.js';

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

/** A slab: `width` Y values of every Z row's half spectrum, lines of `hs` complex values. */
interface Slab {
  readonly width: number;
  /** Complex values per slab line: h rounded up to even, so every line stays 16-byte aligned. */
  readonly hs: number;
  readonly slab: HeapBuffer;
  /** `width` Z lines, transformed contiguously. */
  readonly lines: HeapBuffer;
  readonly s: Float32Array;
  readonly s64: Float64Array;
  readonly l64: Float64Array;
}

/** Runs `body` with a slab and its views (taken after both allocations), then frees it. */
function withSlab<T>(Z: number, Y: number, h: number, body: (slab: Slab) => T): T {
  const width = slabWidth(Z, Y, h);
  const hs = h + (h % 2);
  const slab = new HeapBuffer(2 * hs * Z * width);
  const lines = new HeapBuffer(2 * Z * width);
  try {
    const s = slab.view;
    const s64 = new Float64Array(s.buffer, slab.ptr, hs * Z * width);
    const l64 = new Float64Array(s.buffer, lines.ptr, Z * width);
    return body({ width, hs, slab, lines, s, s64, l64 });
  } finally {
    slab.free();
    lines.free();
  }
}

export function rfft3(input: PixelArray, shape: readonly number[], out: HeapBuffer): void {
  const [Z, Y, n] = shape as [number, number, number];
  const plan = realPlan(n);
  const h = plan.h;
  const zPlan = complexPlan(Z);
  withSlab(Z, Y, h, ({ width, hs, slab, lines, s, s64, l64 }) => {
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
  });
  transformAxis(out, [h * Z, Y], 1, 'forward');
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
  transformAxis(spectrum, [h * Z, Y], 1, 'backward');
  const zPlan = complexPlan(Z);
  return withSlab(Z, Y, h, ({ width, hs, slab, lines, s, s64, l64 }) => {
    const i64 = new Float64Array(s.buffer, spectrum.ptr, spectrum.length / 2);
    const peak = { index: 0, abs: -1 };
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
          foldRowPeak(s, line, n, row, peak); // rows come out of row-major order
        }
      }
    }
    return peak.index;
  });
}
