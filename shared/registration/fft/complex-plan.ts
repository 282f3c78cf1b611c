import { isPffftSize, nextPffftSize } from './fft-sizes.js';
import { HeapBuffer, PFFFT_BACKWARD, PFFFT_COMPLEX, PFFFT_FORWARD, pffft } from './pffft-module.js';

export type Direction = 'forward' | 'backward';

/**
 * A reusable 1-D complex FFT of length n, unnormalised (backward(forward(x)) = n x), operating in
 * place on n interleaved complex float32 values in the WebAssembly heap.
 *
 * Sizes PFFFT takes (2^a 3^b 5^c, multiple of 16) run directly; every other size runs as
 * Bluestein's chirp-z convolution (Bluestein 1970) on a PFFFT size M >= 2n - 1, which computes
 * the exact DFT of length n, never a padded one.
 */
export interface ComplexPlan {
  readonly n: number;
  /** Transforms n complex values at byte address `ptr` (16-byte aligned) in place. */
  transform(ptr: number, direction: Direction): void;
}

const plans = new Map<number, ComplexPlan>();

/** The cached plan for length n (plans and twiddles are made once per process). */
export function complexPlan(n: number): ComplexPlan {
  let plan = plans.get(n);
  if (plan === undefined) {
    if (n === 1) plan = { n, transform: () => undefined };
    else if (isPffftSize(n, 'complex')) plan = new PffftComplexPlan(n);
    else plan = new BluesteinPlan(n);
    plans.set(n, plan);
  }
  return plan;
}

/** Direct PFFFT transform. */
export class PffftComplexPlan implements ComplexPlan {
  readonly setup: number;
  private readonly work: HeapBuffer;

  constructor(readonly n: number) {
    this.setup = pffft._pffft_new_setup(n, PFFFT_COMPLEX);
    if (this.setup === 0) throw new RangeError(`PFFFT cannot make a complex plan of size ${n}`);
    this.work = new HeapBuffer(2 * n);
  }

  transform(ptr: number, direction: Direction): void {
    pffft._pffft_transform_ordered(
      this.setup,
      ptr,
      ptr,
      this.work.ptr,
      direction === 'forward' ? PFFFT_FORWARD : PFFFT_BACKWARD,
    );
  }

  /** Unordered (PFFFT-internal layout) transform, for convolutions. */
  transformUnordered(ptr: number, direction: Direction): void {
    pffft._pffft_transform(
      this.setup,
      ptr,
      ptr,
      this.work.ptr,
      direction === 'forward' ? PFFFT_FORWARD : PFFFT_BACKWARD,
    );
  }
}

/**
 * Bluestein: X_k = c_k sum_j (x_j c_j) conj(c_{k-j}) with c_t = exp(-i pi t^2 / n), the
 * convolution done by FFTs of size M. The filter's spectrum is computed once per plan.
 */
class BluesteinPlan implements ComplexPlan {
  private readonly inner: PffftComplexPlan;
  private readonly m: number;
  /** exp(-i pi k^2 / n), float64, interleaved. */
  private readonly chirp: Float64Array;
  private readonly filterForward: HeapBuffer;
  private readonly filterBackward: HeapBuffer;
  private readonly a: HeapBuffer;
  private readonly ab: HeapBuffer;

  constructor(readonly n: number) {
    this.m = nextPffftSize(2 * n - 1, 'complex');
    this.inner = complexPlan(this.m) as PffftComplexPlan;
    this.chirp = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n keeps the angle exact for large k.
      const angle = (-Math.PI * ((k * k) % (2 * n))) / n;
      this.chirp[2 * k] = Math.cos(angle);
      this.chirp[2 * k + 1] = Math.sin(angle);
    }
    this.filterForward = new HeapBuffer(2 * this.m);
    this.filterBackward = new HeapBuffer(2 * this.m);
    this.a = new HeapBuffer(2 * this.m);
    this.ab = new HeapBuffer(2 * this.m);
    for (const [buffer, sign] of [
      [this.filterForward, -1],
      [this.filterBackward, 1],
    ] as const) {
      const f = buffer.view;
      f.fill(0);
      for (let t = 0; t < n; t++) {
        // conj(c_t) for the forward transform, c_t for the backward one; symmetric in t.
        const re = this.chirp[2 * t]!;
        const im = sign * this.chirp[2 * t + 1]!;
        f[2 * t] = re;
        f[2 * t + 1] = im;
        if (t > 0) {
          f[2 * (this.m - t)] = re;
          f[2 * (this.m - t) + 1] = im;
        }
      }
      this.inner.transformUnordered(buffer.ptr, 'forward');
    }
  }

  transform(ptr: number, direction: Direction): void {
    const { n, m, chirp } = this;
    const heap = pffft.HEAPF32;
    const base = ptr >> 2;
    const a = this.a.view;
    const sign = direction === 'forward' ? 1 : -1;
    for (let j = 0; j < n; j++) {
      const xr = heap[base + 2 * j]!;
      const xi = heap[base + 2 * j + 1]!;
      const cr = chirp[2 * j]!;
      const ci = sign * chirp[2 * j + 1]!;
      a[2 * j] = xr * cr - xi * ci;
      a[2 * j + 1] = xr * ci + xi * cr;
    }
    a.fill(0, 2 * n);
    this.inner.transformUnordered(this.a.ptr, 'forward');
    const ab = this.ab.view;
    ab.fill(0);
    const filter = direction === 'forward' ? this.filterForward : this.filterBackward;
    pffft._pffft_zconvolve_accumulate(this.inner.setup, this.a.ptr, filter.ptr, this.ab.ptr, 1 / m);
    this.inner.transformUnordered(this.ab.ptr, 'backward');
    for (let k = 0; k < n; k++) {
      const yr = ab[2 * k]!;
      const yi = ab[2 * k + 1]!;
      const cr = chirp[2 * k]!;
      const ci = sign * chirp[2 * k + 1]!;
      heap[base + 2 * k] = yr * cr - yi * ci;
      heap[base + 2 * k + 1] = yr * ci + yi * cr;
    }
  }
}
