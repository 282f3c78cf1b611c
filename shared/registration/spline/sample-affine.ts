import { sizeOf, stridesOf } from '../../ndarray/ndarray.js';
import { splineWeights } from './axis-table.js';
import { coefficientMode, mapCoordinate, type ShiftMode } from './map-coordinate.js';
import type { SplineCoefficients } from './spline-coefficients.js';

/** What `sampleAffine` evaluates: output[o] = spline(matrix · o + offset), index order (z,) y, x. */
export interface AffineSampling {
  /** Row-major ndim x ndim matrix (input index per output index). */
  readonly matrix: Float64Array;
  readonly offset: Float64Array;
  readonly outputShape: readonly number[];
  readonly order: 0 | 1 | 3;
  readonly mode: ShiftMode;
  readonly cval: number;
}

/**
 * Evaluates the spline of `coeffs` at the affine image of every output index, as scipy's
 * `NI_GeometricTransform` does: per axis, the coordinate (shifted by the padding) is mapped inside
 * by the mode (not for 'nearest'), a coordinate at or below -1 after mapping gives `cval`, the taps
 * start at floor(c) - order/2 (floor(c + 0.5) for order 0), and taps beyond the edge read the
 * coefficients extended by the spline's boundary mode. The (order + 1)^ndim taps are summed in a
 * separable order (rounding differs from scipy's by about 1e-15 relative).
 */
export function sampleAffine(
  coeffs: SplineCoefficients,
  s: AffineSampling,
  out: Float32Array | Float64Array,
): void {
  const { data, shape, pad } = coeffs;
  const { matrix, offset, outputShape, order, mode, cval } = s;
  const ndim = shape.length;
  const taps = order + 1;
  const half = order >> 1;
  const tapMode = coefficientMode(mode);
  const strides = stridesOf(shape);
  const size = sizeOf(outputShape);
  const grid: TapGrid = {
    ndim,
    taps,
    index: new Int32Array(ndim * taps),
    weight: new Float64Array(ndim * taps),
    counter: new Int32Array(ndim),
    partial: new Float64Array(ndim + 1),
  };
  const { index, weight } = grid;
  const position = new Int32Array(ndim); // output index of o
  const last = ndim - 1;
  for (let o = 0; o < size; o++) {
    let outside = false;
    for (let k = 0; k < ndim; k++) {
      // scipy's order of operations: the matrix row times the index, plus the offset, plus the padding
      let c = 0;
      for (let j = 0; j < ndim; j++) c += position[j]! * matrix[k * ndim + j]!;
      c += offset[k]!;
      c += pad;
      const len = shape[k]!;
      if (mode !== 'nearest') c = mapCoordinate(c, len, mode);
      if (!(c > -1 || mode === 'nearest')) {
        outside = true;
        break;
      }
      const start = (order & 1 ? Math.floor(c) : Math.floor(c + 0.5)) - half;
      const edge = start < 0 || start + order >= len;
      for (let h = 0; h < taps; h++) {
        const idx = edge ? Math.trunc(mapCoordinate(start + h, len, tapMode)) : start + h;
        index[k * taps + h] = idx * strides[k]!;
      }
      splineWeights(c, order, weight, k * taps);
    }
    out[o] = outside ? cval : tensorSum(data, grid);
    for (let k = last; k >= 0; k--) {
      position[k] = position[k]! + 1;
      if (position[k]! < outputShape[k]!) break;
      position[k] = 0;
    }
  }
}

/** The taps of one output sample, `taps` per axis, and the scratch of their sum. */
interface TapGrid {
  readonly ndim: number;
  readonly taps: number;
  /** Per axis, the flat offsets of its taps (axis k's at k * taps). */
  readonly index: Int32Array;
  /** Per axis, the weights of its taps. */
  readonly weight: Float64Array;
  /** Scratch: the odometer over the taps and the running products of the weights. */
  readonly counter: Int32Array;
  readonly partial: Float64Array;
}

/** Sum over the (taps)^ndim grid of data[sum of offsets] times the product of the weights. */
function tensorSum(data: Float64Array, grid: TapGrid): number {
  const { ndim, taps, index, weight, counter, partial } = grid;
  if (ndim === 2) {
    let sum = 0;
    for (let a = 0; a < taps; a++) {
      const row = index[a]!;
      let line = 0;
      for (let b = 0; b < taps; b++) line += weight[taps + b]! * data[row + index[taps + b]!]!;
      sum += weight[a]! * line;
    }
    return sum;
  }
  // General N-D: odometer over the taps, innermost axis last.
  counter.fill(0);
  let sum = 0;
  const total = taps ** ndim;
  for (let t = 0; t < total; t++) {
    let at = 0;
    partial[0] = 1;
    for (let k = 0; k < ndim; k++) {
      at += index[k * taps + counter[k]!]!;
      partial[k + 1] = partial[k]! * weight[k * taps + counter[k]!]!;
    }
    sum += partial[ndim]! * data[at]!;
    for (let k = ndim - 1; k >= 0; k--) {
      counter[k] = counter[k]! + 1;
      if (counter[k]! < taps) break;
      counter[k] = 0;
    }
  }
  return sum;
}
