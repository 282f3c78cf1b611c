import { sizeOf, stridesOf } from '../imaging/ndarray.js';
import type { HeapBuffer } from './fft/pffft-module.js';
import { zoomDft } from './fft/zoom-dft.js';

/**
 * The upsampled cross-correlation of Guizar-Sicairos, Thurman & Fienup, "Efficient subpixel image
 * registration algorithms", Opt. Lett. 33, 156-158 (2008), evaluated exactly as scikit-image's
 * `_upsampled_dft` does, but with chirp-z transforms (see `ZoomDft`) instead of dense matrices.
 *
 * For a cross-power spectrum P (frequencies in numpy's fftfreq order, the Nyquist bin negative)
 * it returns, on a grid of `region` points per axis with spacing 1/upsample starting at `start`:
 *
 *   CC(p) = sum_k P[k] exp(+2 pi i sum_a m_a(k) p_a / n_a),   p_a = start_a + j_a / upsample
 *
 * unnormalised (no 1/N), as a row-major complex array (interleaved float64) of region^ndim points.
 */
export interface UpsampledRegion {
  /** Number of points per axis. */
  readonly region: number;
  readonly upsample: number;
  /** First evaluation position per axis, in pixels. */
  readonly start: readonly number[];
}

/**
 * Upsampled DFT of the half spectrum of a real signal (numpy rfftn layout: the last axis holds
 * bins 0 .. floor(n/2)). Hermitian symmetry supplies the other half: each line L along the last
 * axis and its mirror line L' (negated leading indices) are summed from one chirp-z each.
 */
export function upsampledDftHalf(
  spectrum: HeapBuffer,
  shape: readonly number[],
  { region, upsample, start }: UpsampledRegion,
): Float64Array {
  const d = shape.length;
  const n = shape[d - 1]!;
  const h = Math.floor(n / 2) + 1;
  const terms = Math.ceil(n / 2);
  const lead = shape.slice(0, d - 1);
  const lines = sizeOf(lead);
  const partial = new Float64Array(2 * lines * region);
  const czt = zoomDft(terms, region, n, upsample);
  const x0 = start[d - 1]!;
  czt.prepare(0, x0);
  const half = spectrum.view; // taken after the plan exists: plans may grow the heap
  for (let line = 0; line < lines; line++) czt.run(half, line * h, 1, partial, line * region, 1);

  // S_L(t) = C_L(t) + conj(C_L'(t) - P_L'[0]) + [n even] P_L[n/2] exp(-i pi t)
  const out = new Float64Array(partial.length);
  const leadStrides = stridesOf(lead);
  const nyquist = n % 2 === 0;
  const turn = new Float64Array(2 * region);
  for (let k = 0; k < region; k++) {
    const angle = -Math.PI * (x0 + k / upsample);
    turn[2 * k] = Math.cos(angle);
    turn[2 * k + 1] = Math.sin(angle);
  }
  for (let line = 0; line < lines; line++) {
    let mirror = 0;
    let rest = line;
    for (let a = 0; a < d - 1; a++) {
      const s = leadStrides[a]!;
      const i = Math.floor(rest / s);
      rest -= i * s;
      mirror += ((lead[a]! - i) % lead[a]!) * s;
    }
    const p0r = half[2 * mirror * h]!;
    const p0i = half[2 * mirror * h + 1]!;
    const nyr = nyquist ? half[2 * (line * h + h - 1)]! : 0;
    const nyi = nyquist ? half[2 * (line * h + h - 1) + 1]! : 0;
    for (let k = 0; k < region; k++) {
      const o = 2 * (line * region + k);
      const m = 2 * (mirror * region + k);
      const tr = turn[2 * k]!;
      const ti = turn[2 * k + 1]!;
      out[o] = partial[o]! + (partial[m]! - p0r) + (nyr * tr - nyi * ti);
      out[o + 1] = partial[o + 1]! - (partial[m + 1]! - p0i) + (nyr * ti + nyi * tr);
    }
  }
  return contractLeadingAxes(out, [...lead, region], d - 1, { region, upsample, start });
}

/** Upsampled DFT of a full complex spectrum (interleaved, any float type). */
export function upsampledDftFull(
  spectrum: Float32Array | Float64Array,
  shape: readonly number[],
  params: UpsampledRegion,
): Float64Array {
  const data = spectrum instanceof Float64Array ? spectrum : Float64Array.from(spectrum);
  return contractLeadingAxes(data, [...shape], shape.length, params);
}

/** Contracts axes count-1 .. 0 (full signed-frequency spectra along each) to `region` points. */
function contractLeadingAxes(
  data: Float64Array,
  shape: number[],
  count: number,
  { region, upsample, start }: UpsampledRegion,
): Float64Array {
  let current = data;
  for (let axis = count - 1; axis >= 0; axis--) {
    const n = shape[axis]!;
    const stride = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    const next = new Float64Array(2 * outer * region * stride);
    const m0 = -Math.floor(n / 2);
    const czt = zoomDft(n, region, n, upsample);
    czt.prepare(m0, start[axis]!);
    const line = new Float64Array(2 * n);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i++) {
        // Reorder the line to frequencies m0 .. m0 + n - 1.
        for (let j = 0; j < n; j++) {
          const k = j < -m0 ? j + m0 + n : j + m0;
          const src = 2 * ((o * n + k) * stride + i);
          line[2 * j] = current[src]!;
          line[2 * j + 1] = current[src + 1]!;
        }
        czt.run(line, 0, 1, next, o * region * stride + i, stride);
      }
    }
    shape[axis] = region;
    current = next;
  }
  return current;
}
