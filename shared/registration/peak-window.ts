import { stridesOf } from '../imaging/ndarray.js';

/** A box of the upsampled DFT's fine grid. */
export interface PeakWindow {
  /** First fine-grid index of the window, per axis. */
  readonly offset: number[];
  /** Points of the window per axis. */
  readonly points: number[];
}

const LANCZOS = 4;
/**
 * Candidate threshold: within this fraction of the box's value range below its maximum. It must
 * exceed twice the interpolation error plus the drop between survey points: the truncated sinc
 * misses the samples beyond 4 px, about 0.1 of the background RMS (1-2 % of the range for
 * tile-sized phase correlations, less for good ones), and a peak falls by at most 0.4 % of its
 * height within half a survey step.
 */
const MARGIN = 0.05;
/** Spacing of the interpolated survey, pixels; the window reaches one step beyond the candidates. */
const SURVEY_STEP = 0.05;
/** Axes shorter than this are evaluated in full (too few samples for the interpolation). */
const MIN_AXIS = 4 * LANCZOS;

/**
 * Where, on the fine grid of the upsampled DFT, the peak can be, judged from the integer-grid
 * correlation surface that the coarse step already computed.
 *
 * The fine grid has `region` points per axis at positions `start[a] + j / upsample` (pixels,
 * scikit-image's 1.5-pixel box around the integer peak). Evaluating it whole costs one chirp-z per
 * line per axis: in 3D, 150^3 points at upsample 100. The correlation is band-limited, so its
 * values between integer samples follow from the samples by sinc interpolation; a Lanczos-4
 * interpolation of the integer surface, sampled every 0.05 px over the box, shows which parts of
 * the box hold values near the top. Every sample within `MARGIN` of the top (relative to the
 * top-to-bottom range of the box) is a candidate; the window is the bounding box of the candidates
 * widened by one survey step on each side (the true maximum is within half a step of a
 * candidate), per axis: a peak that is broad along z (anisotropic stacks) gets a window long in z
 * and short in y and x. Only that window is then evaluated exactly by the upsampled DFT. Axes
 * shorter than 16 samples give `undefined`: evaluate the whole box.
 *
 * The window only restricts where the exact sums are evaluated; the values inside it, and so the
 * shift, are those of the full evaluation whenever the full grid's maximum lies in the window.
 *
 * @param surface real correlation at integer shifts, row-major of `shape` (any positive scale)
 * @returns the first fine index per axis and the window's points per axis, or undefined
 */
export function peakWindow(
  surface: Float32Array | Float64Array,
  shape: readonly number[],
  start: readonly number[],
  region: number,
  upsample: number,
): PeakWindow | undefined {
  const d = shape.length;
  if (shape.some((n) => n < MIN_AXIS)) return undefined;
  const step = Math.max(1, Math.round(SURVEY_STEP * upsample));
  const fine: number[] = [];
  for (let j = 0; j < region; j += step) fine.push(j);
  if (fine[fine.length - 1] !== region - 1) fine.push(region - 1);
  const m = fine.length;
  // Per axis: the integer span touched and the normalised Lanczos weights of each survey point.
  const spans: { first: number; count: number; weights: Float64Array }[] = [];
  for (let a = 0; a < d; a++) {
    const p0 = start[a]!;
    const p1 = start[a]! + (region - 1) / upsample;
    const first = Math.floor(p0) - LANCZOS + 1;
    const count = Math.floor(p1) + LANCZOS - first + 1;
    const weights = new Float64Array(m * count);
    for (let k = 0; k < m; k++) {
      const p = p0 + fine[k]! / upsample;
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const w = lanczos(p - (first + i));
        weights[k * count + i] = w;
        sum += w;
      }
      for (let i = 0; i < count; i++) weights[k * count + i]! /= sum;
    }
    spans.push({ first, count, weights });
  }
  // Gather the integer block (periodic) and contract it axis by axis, the last axis first.
  const strides = stridesOf(shape);
  let dims = spans.map((s) => s.count);
  let block = new Float64Array(dims.reduce((x, y) => x * y, 1));
  const index = new Array<number>(d).fill(0);
  for (let flat = 0; flat < block.length; flat++) {
    let src = 0;
    for (let a = 0; a < d; a++) {
      const n = shape[a]!;
      src += ((((spans[a]!.first + index[a]!) % n) + n) % n) * strides[a]!;
    }
    block[flat] = surface[src]!;
    for (let a = d - 1; a >= 0; a--) {
      if (++index[a]! < dims[a]!) break;
      index[a] = 0;
    }
  }
  for (let a = d - 1; a >= 0; a--) {
    const { count, weights } = spans[a]!;
    const inner = dims.slice(a + 1).reduce((x, y) => x * y, 1);
    const outer = dims.slice(0, a).reduce((x, y) => x * y, 1);
    const next = new Float64Array(outer * m * inner);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < count; i++) {
          const w = weights[k * count + i]!;
          const src = (o * count + i) * inner;
          const dst = (o * m + k) * inner;
          for (let t = 0; t < inner; t++) next[dst + t]! += w * block[src + t]!;
        }
      }
    }
    block = next;
    dims = [...dims.slice(0, a), m, ...dims.slice(a + 1)];
  }
  let top = -Infinity;
  let bottom = Infinity;
  for (const v of block) {
    const x = Math.abs(v);
    if (x > top) top = x;
    if (x < bottom) bottom = x;
  }
  const threshold = top - MARGIN * (top - bottom);
  const lo = new Array<number>(d).fill(Infinity);
  const hi = new Array<number>(d).fill(-Infinity);
  const at = new Array<number>(d).fill(0);
  for (let flat = 0; flat < block.length; flat++) {
    if (Math.abs(block[flat]!) >= threshold) {
      for (let a = 0; a < d; a++) {
        lo[a] = Math.min(lo[a]!, fine[at[a]!]!);
        hi[a] = Math.max(hi[a]!, fine[at[a]!]!);
      }
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++at[a]! < m) break;
      at[a] = 0;
    }
  }
  const reach = step;
  if (!lo.every(Number.isFinite)) return undefined;
  const offset: number[] = [];
  const points: number[] = [];
  for (let a = 0; a < d; a++) {
    const first = Math.max(0, lo[a]! - reach);
    const last = Math.min(region - 1, hi[a]! + reach);
    // Few distinct sizes keep the chirp-z plans cached.
    const size = Math.min(region, Math.ceil((last - first + 1) / 8) * 8);
    offset.push(Math.min(first, region - size));
    points.push(size);
  }
  return { offset, points };
}

function lanczos(x: number): number {
  if (x === 0) return 1;
  if (Math.abs(x) >= LANCZOS) return 0;
  const px = Math.PI * x;
  return (LANCZOS * Math.sin(px) * Math.sin(px / LANCZOS)) / (px * px);
}
