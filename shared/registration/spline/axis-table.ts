import { coefficientMode, mapCoordinate, type ShiftMode } from './map-coordinate.js';

/**
 * Where each output sample of one axis reads its input and with which weights: the per-axis part of
 * scipy's `NI_ZoomShift` for a pure shift. The N-D interpolation is the tensor product of these tables.
 */
export interface AxisTable {
  /** Taps per output sample: order + 1 (1 for an exact integer move). */
  readonly taps: number;
  /** `taps` input indices per output sample, already mapped inside [0, inputLength). */
  readonly index: Int32Array;
  /** `taps` weights per output sample (summing to 1). */
  readonly weight: Float64Array;
  /** Per output sample: 1 if it is interpolated, 0 if it takes `cval` (mode 'constant' only). */
  readonly inside: Uint8Array;
  /** True when some output sample takes `cval`. */
  readonly anyOutside: boolean;
}

/**
 * Cubic (order 3), linear (1) and nearest (0) B-spline weights of scipy's
 * `get_spline_interpolation_weights`, same operations in the same order.
 */
export function splineWeights(x: number, order: 0 | 1 | 3, out: Float64Array, at: number): void {
  if (order === 0) {
    out[at] = 1;
    return;
  }
  const t = x - Math.floor(x);
  if (order === 1) {
    const w0 = 1 - t;
    out[at] = w0;
    out[at + 1] = 1 - w0;
    return;
  }
  const z = 1 - t;
  const w1 = (t * t * (t - 2) * 3 + 4) / 6;
  const w2 = (z * z * (z - 2) * 3 + 4) / 6;
  const w0 = (z * z * z) / 6;
  out[at] = w0;
  out[at + 1] = w1;
  out[at + 2] = w2;
  let w3 = 1;
  w3 -= w0;
  w3 -= w1;
  w3 -= w2;
  out[at + 3] = w3;
}

/** What `axisTable` tabulates: one axis of a pure shift. */
export interface AxisShift {
  /** Input length along the axis, including `pad` samples of padding at each end. */
  readonly length: number;
  /** Output length along the axis (the unpadded length). */
  readonly outLength: number;
  /** The shift in pixels: output k reads input at k - shift. */
  readonly shift: number;
  /** Spline order; an integer shift may be passed with order 0 for an exact move. */
  readonly order: 0 | 1 | 3;
  readonly mode: ShiftMode;
  /** Samples of edge padding in front of the input (12 for mode 'nearest' with a prefilter). */
  readonly pad: number;
}

/** Builds the table of one axis. */
export function axisTable({ length, outLength, shift, order, mode, pad }: AxisShift): AxisTable {
  const taps = order + 1;
  const index = new Int32Array(outLength * taps);
  const weight = new Float64Array(outLength * taps);
  const inside = new Uint8Array(outLength);
  const tapMode = coefficientMode(mode);
  const half = order >> 1;
  const neg = -shift;
  let anyOutside = false;
  for (let k = 0; k < outLength; k++) {
    let cc = k + neg;
    cc += pad;
    if (mode !== 'nearest') cc = mapCoordinate(cc, length, mode);
    if (!(cc > -1 || mode === 'nearest')) {
      anyOutside = true;
      continue;
    }
    inside[k] = 1;
    const start = (order & 1 ? Math.floor(cc) : Math.floor(cc + 0.5)) - half;
    const edge = start < 0 || start + order >= length;
    for (let h = 0; h < taps; h++) {
      const idx = start + h;
      index[k * taps + h] = edge ? Math.trunc(mapCoordinate(idx, length, tapMode)) : idx;
    }
    splineWeights(cc, order, weight, k * taps);
  }
  return { taps, index, weight, inside, anyOutside };
}
