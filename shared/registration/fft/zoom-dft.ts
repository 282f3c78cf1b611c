import { nextPffftSize } from './fft-sizes.js';
import { complexPlan, type PffftComplexPlan } from './complex-plan.js';
import { HeapBuffer, pffft } from './pffft-module.js';

/**
 * A chirp-z ("zoom") evaluation of a 1-D DFT at R equispaced fractional points:
 *
 *   out[k] = sum_{j=0}^{J-1} q[j] exp(+2 pi i (m0 + j) (x0 + k / U) / n),   k = 0 .. R-1
 *
 * (frequencies m0 .. m0+J-1 of a period-n signal, evaluated at positions x0 + k/U). This is the
 * sum that the matrix-multiply upsampled DFT of Guizar-Sicairos et al. (2008) computes, in
 * O((J + R) log(J + R)) instead of O(J R), using Bluestein's identity
 * jk = (j^2 + k^2 - (k-j)^2) / 2 and one FFT convolution of size L >= J + R - 1.
 *
 * The convolution filter's spectrum depends on (J, R, n, U) only and is computed once per plan;
 * the per-call factors (which depend on x0 and m0) are cheap O(J + R) vectors.
 */
/** Lines per `runLines` call: 8 complex float32 values fill a 64-byte cache line. */
export const BATCH = 8;

/**
 * The lines one `runLines` call evaluates, complex values interleaved in float32, offsets and
 * strides in complex elements. Line l's input is
 * q[j] = input[inOffset + l + ((j + rotate) mod terms) * inStride] (`rotate` lets a line stored in
 * fftfreq order be read from its most negative frequency); its outputs go to
 * output[outOffset + l * outLineStep + k * outStride].
 */
export interface ZoomLines {
  readonly input: Float32Array;
  readonly inOffset: number;
  readonly inStride: number;
  readonly rotate: number;
  /** Lines evaluated: at most `BATCH`. */
  readonly count: number;
  readonly output: Float32Array;
  readonly outOffset: number;
  readonly outStride: number;
  readonly outLineStep: number;
}

export class ZoomDft {
  readonly length: number;
  private readonly plan: PffftComplexPlan;
  private readonly filter: HeapBuffer;
  private readonly ab: HeapBuffer;
  private readonly batch: HeapBuffer;
  private readonly pre: Float64Array;
  private readonly post: Float64Array;

  constructor(
    readonly terms: number,
    readonly outputs: number,
    readonly period: number,
    readonly upsample: number,
  ) {
    this.length = nextPffftSize(terms + outputs - 1, 'complex');
    this.plan = complexPlan(this.length) as PffftComplexPlan;
    const L = this.length;
    this.filter = new HeapBuffer(2 * L);
    this.ab = new HeapBuffer(2 * L);
    // Allocated here, never during a call: an allocation may grow the heap and detach the views
    // (of the spectrum, say) that a caller holds.
    this.batch = new HeapBuffer(2 * L * BATCH);
    this.pre = new Float64Array(2 * terms);
    this.post = new Float64Array(2 * outputs);
    // g[t] = exp(-i pi t^2 / (n U)) for t in -(J-1) .. R-1, stored circularly.
    const f = this.filter.view;
    f.fill(0);
    for (let t = -(terms - 1); t < outputs; t++) {
      const angle = -Math.PI * this.chirpPhase(t);
      const idx = t >= 0 ? t : L + t;
      f[2 * idx] = Math.cos(angle);
      f[2 * idx + 1] = Math.sin(angle);
    }
    this.plan.transformUnordered(this.filter.ptr, 'forward');
  }

  /** t^2 / (n U), reduced modulo 2 for an accurate angle. */
  private chirpPhase(t: number): number {
    const nu = this.period * this.upsample;
    return ((t * t) % (2 * nu)) / nu;
  }

  /** Sets the evaluation window: first frequency m0 and first position x0. */
  prepare(m0: number, x0: number): void {
    const { terms, outputs, period, upsample } = this;
    for (let j = 0; j < terms; j++) {
      // exp(2 pi i j x0 / n) * exp(i pi j^2 / (n U))
      const angle = (2 * Math.PI * ((j * x0) % period)) / period + Math.PI * this.chirpPhase(j);
      this.pre[2 * j] = Math.cos(angle);
      this.pre[2 * j + 1] = Math.sin(angle);
    }
    for (let k = 0; k < outputs; k++) {
      // exp(2 pi i m0 (x0 + k/U) / n) * exp(i pi k^2 / (n U))
      const angle =
        (2 * Math.PI * ((m0 * (x0 + k / upsample)) % period)) / period + Math.PI * this.chirpPhase(k);
      this.post[2 * k] = Math.cos(angle);
      this.post[2 * k + 1] = Math.sin(angle);
    }
  }

  /**
   * Evaluates `lines.count` (at most `BATCH`) lines at once (see `ZoomLines`). The
   * pre-multiplication reads the lines side by side, a cache line at a time, which matters when
   * `inStride` is large (the x lines of a frequency-major spectrum).
   */
  runLines(lines: ZoomLines): void {
    const { input, inOffset, inStride, rotate, count, output, outOffset, outStride, outLineStep } = lines;
    const { terms, outputs, pre, post, length: L } = this;
    const batch = this.batch.view;
    for (let j = 0, k = rotate; j < terms; j++, k = k + 1 === terms ? 0 : k + 1) {
      const p = 2 * (inOffset + k * inStride);
      const cr = pre[2 * j]!;
      const ci = pre[2 * j + 1]!;
      for (let l = 0, q = 2 * j; l < count; l++, q += 2 * L) {
        const qr = input[p + 2 * l]!;
        const qi = input[p + 2 * l + 1]!;
        batch[q] = qr * cr - qi * ci;
        batch[q + 1] = qr * ci + qi * cr;
      }
    }
    const ab = this.ab.view;
    for (let l = 0; l < count; l++) {
      const line = 2 * L * l;
      batch.fill(0, line + 2 * terms, line + 2 * L);
      this.plan.transformUnordered(this.batch.at(line), 'forward');
      ab.fill(0);
      pffft._pffft_zconvolve_accumulate(
        this.plan.setup,
        this.batch.at(line),
        this.filter.ptr,
        this.ab.ptr,
        1 / L,
      );
      this.plan.transformUnordered(this.ab.ptr, 'backward');
      let o = 2 * (outOffset + l * outLineStep);
      for (let m = 0; m < outputs; m++, o += 2 * outStride) {
        const yr = ab[2 * m]!;
        const yi = ab[2 * m + 1]!;
        const cr = post[2 * m]!;
        const ci = post[2 * m + 1]!;
        output[o] = yr * cr - yi * ci;
        output[o + 1] = yr * ci + yi * cr;
      }
    }
  }

  free(): void {
    this.batch.free();
    this.filter.free();
    this.ab.free();
  }
}

const cache = new Map<string, ZoomDft>();
/** Plans kept (about 10 KiB each): windows and surveys of several image shapes stay cached. */
const CACHE_LIMIT = 256;

/**
 * A cached zoom DFT plan (plans are reused across calls with the same geometry). When the cache
 * is full the least recently made or used plan is freed; a plan is only used synchronously,
 * between its lookup and the next one.
 */
export function zoomDft(terms: number, outputs: number, period: number, upsample: number): ZoomDft {
  const key = `${terms}:${outputs}:${period}:${upsample}`;
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = new ZoomDft(terms, outputs, period, upsample);
    if (cache.size >= CACHE_LIMIT) {
      const [oldest, stale] = cache.entries().next().value as [string, ZoomDft];
      stale.free();
      cache.delete(oldest);
    }
  } else {
    cache.delete(key); // re-inserted below: most recently used last
  }
  cache.set(key, plan);
  return plan;
}
