import { sizeOf, stridesOf, type PixelArray } from '../../ndarray/ndarray.js';
import type { ShiftMode } from './map-coordinate.js';
import { filterBoundary, splinePrefilter } from './spline-prefilter.js';
import { LANES, laneStarts, type AxisLines } from '../line-lanes.js';

/** Edge samples scipy pads before prefiltering in mode 'nearest' (`_prepad_for_spline_filter`). */
export const NEAREST_PAD = 12;

/** The samples an N-D spline is evaluated on: the (padded, prefiltered) coefficients and their shape. */
export interface SplineCoefficients {
  readonly data: Float64Array;
  /** Shape of `data`: the input's, plus 2 * pad along every axis. */
  readonly shape: readonly number[];
  /** Samples of edge padding before (and after) the input along every axis. */
  readonly pad: number;
}

/**
 * The array scipy's `affine_transform` interpolates: the input as float64, padded by 12 edge
 * samples per side in mode 'nearest' when prefiltered, then (order 3 with `prefilter`) turned into
 * cubic B-spline coefficients by the separable prefilter along every axis, with scipy's boundary
 * per mode. Orders 0 and 1 interpolate the samples themselves.
 */
export function splineCoefficients(
  data: PixelArray,
  shape: readonly number[],
  order: 0 | 1 | 3,
  mode: ShiftMode,
  prefilter: boolean,
): SplineCoefficients {
  const filtered = order === 3 && prefilter;
  const pad = filtered && mode === 'nearest' ? NEAREST_PAD : 0;
  const padded = shape.map((n) => n + 2 * pad);
  const out = pad === 0 ? Float64Array.from(data) : padEdges(data, shape, padded, pad);
  if (!filtered) return { data: out, shape: padded, pad };
  const boundary = filterBoundary(mode);
  const strides = stridesOf(padded);
  const size = sizeOf(padded);
  const acc = new Float64Array(LANES);
  for (let axis = 0; axis < padded.length; axis++) {
    const n = padded[axis]!;
    if (n < 2) continue;
    const inner = strides[axis]!;
    const lines: AxisLines = { lines: size / n, inner, span: n * inner };
    const block = new Float64Array(n * LANES);
    const starts = new Int32Array(LANES);
    for (let first = 0; first < lines.lines; first += LANES) {
      const lanes = laneStarts(lines, first, starts);
      for (let i = 0; i < n; i++) {
        for (let w = 0; w < lanes; w++) block[i * lanes + w] = out[starts[w]! + i * inner]!;
      }
      splinePrefilter(block, n, lanes, boundary, acc);
      for (let i = 0; i < n; i++) {
        for (let w = 0; w < lanes; w++) out[starts[w]! + i * inner] = block[i * lanes + w]!;
      }
    }
  }
  return { data: out, shape: padded, pad };
}

/** numpy's `pad(input, pad, mode='edge')` into a new float64 array. */
function padEdges(
  data: PixelArray,
  shape: readonly number[],
  padded: readonly number[],
  pad: number,
): Float64Array {
  const out = new Float64Array(sizeOf(padded));
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(padded);
  const ndim = shape.length;
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < ndim; k++) {
      const i = Math.floor(o / outStrides[k]!) % padded[k]!;
      const clamped = Math.min(Math.max(i - pad, 0), shape[k]! - 1);
      src += clamped * inStrides[k]!;
    }
    out[o] = data[src]!;
  }
  return out;
}
