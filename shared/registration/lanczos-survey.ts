import { stridesOf } from '../ndarray/ndarray.js';

const LANCZOS = 4;

/** Axes shorter than this cannot be surveyed by interpolation (too few samples). */
export const MIN_SURVEY_AXIS = 4 * LANCZOS;

/**
 * The correlation at fine-grid points of the upsampled DFT's box, interpolated from the
 * integer-grid surface that the coarse step computed: the correlation is band-limited, so its
 * values between samples follow from them by sinc interpolation, here a Lanczos-4 kernel
 * (normalised weights, so that a constant surface is reproduced exactly), separable, on a
 * periodic surface.
 *
 * Its error is the sinc's truncation beyond 4 samples and the taper: a fraction of the surface's
 * background RMS, smooth over the box. Cheap (a few thousand operations), which is why 3D uses
 * it; see `peakWindow` for how the survey is used.
 *
 * @param surface real correlation at integer shifts, row-major of `shape` (any positive scale)
 * @param start first position of the box per axis (pixels); fine index j is at start + j / upsample
 * @param fine the fine indices surveyed along every axis
 * @returns |value| at every combination of `fine` indices, row-major
 */
export function lanczosSurvey(
  surface: Float32Array | Float64Array,
  shape: readonly number[],
  start: ArrayLike<number>,
  upsample: number,
  fine: readonly number[],
): Float64Array {
  const d = shape.length;
  const m = fine.length;
  const region = fine[m - 1]! + 1;
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
  return block.map(Math.abs);
}

function lanczos(x: number): number {
  if (x === 0) return 1;
  if (Math.abs(x) >= LANCZOS) return 0;
  const px = Math.PI * x;
  return (LANCZOS * Math.sin(px) * Math.sin(px / LANCZOS)) / (px * px);
}
