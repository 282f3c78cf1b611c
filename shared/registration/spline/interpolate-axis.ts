import type { PixelArray } from '../../ndarray/ndarray.js';
import type { AxisTable } from './axis-table.js';
import { splinePrefilter, type FilterBoundary } from './spline-prefilter.js';
import { LANES, laneStarts, type AxisLines } from '../line-lanes.js';

/** One separable pass of `interpolatedShift` along one axis. */
export interface AxisPass {
  /** Input length along the axis (output has the same length). */
  readonly length: number;
  /** Product of the lengths before the axis. */
  readonly outer: number;
  /** Product of the lengths after the axis (the stride of the axis). */
  readonly inner: number;
  readonly table: AxisTable;
  /** Prefilter boundary, or null for no prefilter (orders 0 and 1, exact integer moves, prefilter off). */
  readonly prefilter: FilterBoundary | null;
  /** Edge samples repeated in front of and after each line before prefiltering (12 for 'nearest'). */
  readonly pad: number;
  readonly cval: number;
}

/**
 * Interpolates every line along one axis of `src` into `dst` (same shape): gathers up to 32 lines into
 * an interleaved scratch block (with edge padding), prefilters it in place, then evaluates each output
 * sample as the weighted sum of its taps. Samples outside (mode 'constant') get `cval`.
 */
export function interpolateAxis(src: PixelArray, dst: Float32Array | Float64Array, pass: AxisPass): void {
  const { length: n, outer, inner, table, prefilter, pad, cval } = pass;
  const { taps, index, weight, inside } = table;
  const rows = n + 2 * pad;
  const block = new Float64Array(rows * LANES);
  const acc = new Float64Array(LANES);
  const starts = new Float64Array(LANES);
  const axis: AxisLines = { lines: outer * inner, inner, span: n * inner };
  for (let first = 0; first < axis.lines; first += LANES) {
    const lanes = laneStarts(axis, first, starts);
    // gather, interleaved: row r of lane w at block[r * lanes + w]
    for (let i = 0; i < n; i++) {
      const r = (i + pad) * lanes;
      const off = i * inner;
      for (let w = 0; w < lanes; w++) block[r + w] = src[(starts[w] as number) + off] as number;
    }
    if (pad > 0) {
      const top = pad * lanes;
      const bottom = (pad + n - 1) * lanes;
      for (let p = 0; p < pad; p++) {
        const a = p * lanes;
        const b = (pad + n + p) * lanes;
        for (let w = 0; w < lanes; w++) {
          block[a + w] = block[top + w] as number;
          block[b + w] = block[bottom + w] as number;
        }
      }
    }
    if (prefilter !== null) splinePrefilter(block, rows, lanes, prefilter, acc);
    // evaluate
    for (let k = 0; k < n; k++) {
      const off = k * inner;
      if (inside[k] === 0) {
        for (let w = 0; w < lanes; w++) dst[(starts[w] as number) + off] = cval;
        continue;
      }
      const t = k * taps;
      if (taps === 4) {
        const a0 = (index[t] as number) * lanes;
        const a1 = (index[t + 1] as number) * lanes;
        const a2 = (index[t + 2] as number) * lanes;
        const a3 = (index[t + 3] as number) * lanes;
        const w0 = weight[t] as number;
        const w1 = weight[t + 1] as number;
        const w2 = weight[t + 2] as number;
        const w3 = weight[t + 3] as number;
        for (let w = 0; w < lanes; w++) {
          dst[(starts[w] as number) + off] =
            w0 * (block[a0 + w] as number) +
            w1 * (block[a1 + w] as number) +
            w2 * (block[a2 + w] as number) +
            w3 * (block[a3 + w] as number);
        }
      } else if (taps === 2) {
        const a0 = (index[t] as number) * lanes;
        const a1 = (index[t + 1] as number) * lanes;
        const w0 = weight[t] as number;
        const w1 = weight[t + 1] as number;
        for (let w = 0; w < lanes; w++) {
          dst[(starts[w] as number) + off] = w0 * (block[a0 + w] as number) + w1 * (block[a1 + w] as number);
        }
      } else {
        const a0 = (index[t] as number) * lanes;
        for (let w = 0; w < lanes; w++) dst[(starts[w] as number) + off] = block[a0 + w] as number;
      }
    }
  }
}
