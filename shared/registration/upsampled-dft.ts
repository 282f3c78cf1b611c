import { sizeOf, stridesOf } from '../ndarray/ndarray.js';
import type { UpsampledScratch } from './correlation-workspace.js';
import type { HeapBuffer } from './fft/pffft-module.js';
import { nextPffftSize } from './fft/fft-sizes.js';
import { BATCH, zoomDft } from './fft/zoom-dft.js';

/**
 * The upsampled cross-correlation of Guizar-Sicairos, Thurman & Fienup, "Efficient subpixel image
 * registration algorithms", Opt. Lett. 33, 156-158 (2008), evaluated exactly as scikit-image's
 * `_upsampled_dft` does, but with chirp-z transforms (see `ZoomDft`) instead of dense matrices.
 *
 * For a cross-power spectrum P (frequencies in numpy's fftfreq order, the Nyquist bin negative)
 * it returns, on a grid of `points[a]` points along axis a with spacing 1/upsample starting at
 * `start`:
 *
 *   CC(p) = sum_k P[k] exp(+2 pi i sum_a m_a(k) p_a / n_a),   p_a = start_a + j_a / upsample
 *
 * unnormalised (no 1/N), as a row-major complex array (interleaved float32) of prod(points) values.
 *
 * The result and the intermediate sums live in the two buffers of `scratch` (a
 * `CorrelationWorkspace`'s), reused by the next call given them: read the result before calling
 * again. A new 42 KiB result and 17 KiB intermediate per tile made V8 run full (mark-compact)
 * collections in the registering threads instead of young-generation ones.
 */
export interface UpsampledRegion {
  /** Number of points per axis. */
  readonly points: ArrayLike<number>;
  readonly upsample: number;
  /** First evaluation position per axis, in pixels. */
  readonly start: ArrayLike<number>;
}

/**
 * Upsampled DFT of the half spectrum of a real signal in the frequency-major layout of `rfftn`
 * ([h][rows]: bin x of row L at x * rows + L, h = floor(n/2) + 1, rows in row-major order of the
 * leading axes). Each line along the last axis is read in place with stride `rows`: consecutive
 * lines share cache lines, so no transpose is needed. Hermitian symmetry supplies the other half:
 * each line L and its mirror line L' (negated leading indices) are summed from one chirp-z each.
 */
export function upsampledDftHalf(
  spectrum: HeapBuffer,
  shape: readonly number[],
  { points, upsample, start }: UpsampledRegion,
  scratch: UpsampledScratch,
): Float32Array {
  const d = shape.length;
  const region = points[d - 1]!;
  const n = shape[d - 1]!;
  const terms = Math.ceil(n / 2);
  const lead = shape.slice(0, d - 1);
  const lines = sizeOf(lead);
  const sums = scratch[0].take(2 * lines * region);
  const czt = zoomDft(terms, region, n, upsample);
  const x0 = start[d - 1]!;
  czt.prepare(0, x0);
  const half = spectrum.view; // taken after the plan exists: plans may grow the heap
  for (let line = 0; line < lines; line += BATCH) {
    czt.runLines({
      input: half,
      inOffset: line,
      inStride: lines,
      rotate: 0,
      count: Math.min(BATCH, lines - line),
      output: sums,
      outOffset: line * region,
      outStride: 1,
      outLineStep: region,
    });
  }

  addMirrorLines(sums, half, { lead, region, n, x0, upsample });
  return contractLeadingAxes(sums, [...lead, region], d - 1, { points, upsample, start }, scratch);
}

/** Upsampled DFT of a full complex spectrum (interleaved). */
export function upsampledDftFull(
  spectrum: Float32Array | Float64Array,
  shape: readonly number[],
  params: UpsampledRegion,
  scratch: UpsampledScratch,
): Float32Array {
  const data = spectrum instanceof Float32Array ? spectrum : Float32Array.from(spectrum);
  return contractLeadingAxes(data, [...shape], shape.length, params, scratch);
}

/**
 * Contracts axes count-1 .. 0 (full signed-frequency spectra along each) to `points` values, each
 * into the scratch buffer the previous contraction did not write (`data` is the first's input;
 * the first buffer also holds the half spectrum's sums).
 */
function contractLeadingAxes(
  data: Float32Array,
  shape: number[],
  count: number,
  { points, upsample, start }: UpsampledRegion,
  scratch: UpsampledScratch,
): Float32Array {
  let current = data;
  for (let axis = count - 1, turn = 1; axis >= 0; axis--, turn = 1 - turn) {
    const n = shape[axis]!;
    const region = points[axis]!;
    const stride = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    const next = scratch[turn]!.take(2 * outer * region * stride);
    // Frequencies m0 .. m0 + n - 1 (fftfreq order rotated to start at the most negative one).
    const m0 = -Math.floor(n / 2);
    const rotate = (m0 + n) % n;
    const czt = zoomDft(n, region, n, upsample);
    czt.prepare(m0, start[axis]!);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < stride; i += BATCH) {
        czt.runLines({
          input: current,
          inOffset: o * n * stride + i,
          inStride: stride,
          rotate,
          count: Math.min(BATCH, stride - i),
          output: next,
          outOffset: o * region * stride + i,
          outStride: stride,
          outLineStep: 1,
        });
      }
    }
    shape[axis] = region;
    current = next;
  }
  return current;
}

/**
 * Relative cost of `upsampledDftHalf` for a real array of `shape` evaluated on `points` per axis:
 * the sum over its contractions of lines x L log2 L, L the chirp-z length. For choosing between
 * evaluating scikit-image's whole box and a window of it; only ratios are meaningful.
 */
export function upsampledDftCost(shape: readonly number[], points: ArrayLike<number>): number {
  const d = shape.length;
  const chirp = (m: number): number => {
    const L = nextPffftSize(m, 'complex');
    return L * Math.log2(L);
  };
  let cost = sizeOf(shape.slice(0, d - 1)) * chirp(Math.ceil(shape[d - 1]! / 2) + points[d - 1]! - 1);
  for (let a = d - 2; a >= 0; a--) {
    let after = 1;
    for (let b = a + 1; b < d; b++) after *= points[b]!;
    cost += sizeOf(shape.slice(0, a)) * after * chirp(shape[a]! + points[a]! - 1);
  }
  return cost;
}

/** The lines of `addMirrorLines` and where along the last axis they were evaluated. */
interface MirrorGrid {
  /** Lengths of the leading axes (the lines). */
  readonly lead: readonly number[];
  /** Points per line. */
  readonly region: number;
  /** Length of the last axis. */
  readonly n: number;
  /** First position along the last axis, pixels; spacing 1 / upsample. */
  readonly x0: number;
  readonly upsample: number;
}

/**
 * In place, each line with its mirror line L' (negated leading indices):
 * S_L(t) = C_L(t) + conj(C_L'(t) - P_L'[0]) + [n even] P_L[n/2] exp(-i pi t), the negative
 * frequencies of L being the conjugates of the positive ones of L'. Its own function so that V8
 * optimises it apart from the chirp-z loop before it.
 */
function addMirrorLines(sums: Float32Array, half: Float32Array, grid: MirrorGrid): void {
  const { lead, region, n, x0, upsample } = grid;
  const lines = sizeOf(lead);
  const h = Math.floor(n / 2) + 1;
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
    for (let a = 0; a < lead.length; a++) {
      const s = leadStrides[a]!;
      const i = Math.floor(rest / s);
      rest -= i * s;
      mirror += ((lead[a]! - i) % lead[a]!) * s;
    }
    if (mirror < line) continue; // done with its pair
    const last = (h - 1) * lines;
    const p0r = half[2 * line]!;
    const p0i = half[2 * line + 1]!;
    const q0r = half[2 * mirror]!;
    const q0i = half[2 * mirror + 1]!;
    const pnr = nyquist ? half[2 * (last + line)]! : 0;
    const pni = nyquist ? half[2 * (last + line) + 1]! : 0;
    const qnr = nyquist ? half[2 * (last + mirror)]! : 0;
    const qni = nyquist ? half[2 * (last + mirror) + 1]! : 0;
    for (let k = 0; k < region; k++) {
      const o = 2 * (line * region + k);
      const m = 2 * (mirror * region + k);
      const tr = turn[2 * k]!;
      const ti = turn[2 * k + 1]!;
      const cr = sums[o]!;
      const ci = sums[o + 1]!;
      const mr = sums[m]!;
      const mi = sums[m + 1]!;
      sums[o] = cr + (mr - q0r) + (pnr * tr - pni * ti);
      sums[o + 1] = ci - (mi - q0i) + (pnr * ti + pni * tr);
      if (m !== o) {
        sums[m] = mr + (cr - p0r) + (qnr * tr - qni * ti);
        sums[m + 1] = mi - (ci - p0i) + (qnr * ti + qni * tr);
      }
    }
  }
}
