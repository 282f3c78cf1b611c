import { complexPlan, type ComplexPlan } from './complex-plan.js';
import { isPffftSize } from './fft-sizes.js';
import { HeapBuffer, PFFFT_BACKWARD, PFFFT_FORWARD, PFFFT_REAL, pffft } from './pffft-module.js';

import type { PixelArray } from '../../ndarray/ndarray.js';

type Readable = PixelArray;
type Writable = Float32Array | Float64Array;

/**
 * A reusable 1-D real FFT of length n producing (or consuming) the half spectrum of
 * h = floor(n/2) + 1 interleaved complex values, unnormalised, like numpy's rfft/irfft.
 * PFFFT's real transform serves sizes 2^a 3^b 5^c that are multiples of 32; other sizes go
 * through the complex plan (exact, about twice the work).
 */
export interface RealPlan {
  readonly n: number;
  readonly h: number;
  /** rfft of input[inOffset .. inOffset+n) into output[outOffset .. outOffset+2h). */
  forward(input: Readable, inOffset: number, output: Writable, outOffset: number): void;
  /** irfft (unnormalised) of input[inOffset .. inOffset+2h) into output[outOffset .. outOffset+n). */
  backward(input: Readable, inOffset: number, output: Writable, outOffset: number): void;
  /**
   * In place in the WebAssembly heap: n reals at byte address `ptr` (16-byte aligned, room for
   * 2h floats) become their h-value half spectrum. No copy for PFFFT sizes.
   */
  forwardInHeap(ptr: number): void;
  /** In place: the h-value half spectrum at `ptr` becomes n reals (unnormalised irfft). */
  backwardInHeap(ptr: number): void;
}

const plans = new Map<number, RealPlan>();

export function realPlan(n: number): RealPlan {
  let plan = plans.get(n);
  if (plan === undefined) {
    plan = isPffftSize(n, 'real') ? new PffftRealPlan(n) : new ComplexBackedRealPlan(n);
    plans.set(n, plan);
  }
  return plan;
}

class PffftRealPlan implements RealPlan {
  readonly h: number;
  private readonly setup: number;
  private readonly buffer: HeapBuffer;
  private readonly work: HeapBuffer;

  constructor(readonly n: number) {
    this.h = n / 2 + 1;
    this.setup = pffft._pffft_new_setup(n, PFFFT_REAL);
    if (this.setup === 0) throw new RangeError(`PFFFT cannot make a real plan of size ${n}`);
    this.buffer = new HeapBuffer(n);
    this.work = new HeapBuffer(n);
  }

  forward(input: Readable, inOffset: number, output: Writable, outOffset: number): void {
    const { n } = this;
    const b = this.buffer.view;
    b.set(input.subarray(inOffset, inOffset + n));
    pffft._pffft_transform_ordered(
      this.setup,
      this.buffer.ptr,
      this.buffer.ptr,
      this.work.ptr,
      PFFFT_FORWARD,
    );
    // PFFFT packs the real DC and Nyquist terms as b[0] + i b[1].
    output[outOffset] = b[0]!;
    output[outOffset + 1] = 0;
    output.set(b.subarray(2, n), outOffset + 2);
    output[outOffset + n] = b[1]!;
    output[outOffset + n + 1] = 0;
  }

  backward(input: Readable, inOffset: number, output: Writable, outOffset: number): void {
    const { n } = this;
    const b = this.buffer.view;
    b[0] = input[inOffset]!;
    b[1] = input[inOffset + n]!;
    b.set(input.subarray(inOffset + 2, inOffset + n), 2);
    pffft._pffft_transform_ordered(
      this.setup,
      this.buffer.ptr,
      this.buffer.ptr,
      this.work.ptr,
      PFFFT_BACKWARD,
    );
    output.set(b, outOffset);
  }

  forwardInHeap(ptr: number): void {
    const { n } = this;
    pffft._pffft_transform_ordered(this.setup, ptr, ptr, this.work.ptr, PFFFT_FORWARD);
    // PFFFT packs the real DC and Nyquist terms as b[0] + i b[1].
    const heap = pffft.HEAPF32;
    const b = ptr >> 2;
    heap[b + n] = heap[b + 1]!;
    heap[b + 1] = 0;
    heap[b + n + 1] = 0;
  }

  backwardInHeap(ptr: number): void {
    const heap = pffft.HEAPF32;
    const b = ptr >> 2;
    heap[b + 1] = heap[b + this.n]!;
    pffft._pffft_transform_ordered(this.setup, ptr, ptr, this.work.ptr, PFFFT_BACKWARD);
  }
}

class ComplexBackedRealPlan implements RealPlan {
  readonly h: number;
  private readonly plan: ComplexPlan;
  private readonly buffer: HeapBuffer;

  constructor(readonly n: number) {
    this.h = Math.floor(n / 2) + 1;
    this.plan = complexPlan(n);
    this.buffer = new HeapBuffer(2 * n);
  }

  forward(input: Readable, inOffset: number, output: Writable, outOffset: number): void {
    const { n, h } = this;
    const b = this.buffer.view;
    for (let i = 0; i < n; i++) {
      b[2 * i] = input[inOffset + i]!;
      b[2 * i + 1] = 0;
    }
    this.plan.transform(this.buffer.ptr, 'forward');
    output.set(b.subarray(0, 2 * h), outOffset);
  }

  backward(input: Readable, inOffset: number, output: Writable, outOffset: number): void {
    const { n, h } = this;
    const b = this.buffer.view;
    b.set(input.subarray(inOffset, inOffset + 2 * h));
    // Hermitian extension; like numpy's irfft the imaginary parts of DC (and Nyquist) are ignored.
    b[1] = 0;
    if (n % 2 === 0) b[2 * (h - 1) + 1] = 0;
    for (let i = h; i < n; i++) {
      b[2 * i] = b[2 * (n - i)]!;
      b[2 * i + 1] = -b[2 * (n - i) + 1]!;
    }
    this.plan.transform(this.buffer.ptr, 'backward');
    for (let i = 0; i < n; i++) output[outOffset + i] = b[2 * i]!;
  }

  forwardInHeap(ptr: number): void {
    const heap = pffft.HEAPF32;
    const base = ptr >> 2;
    this.forward(heap.subarray(base, base + this.n), 0, heap, base);
  }

  backwardInHeap(ptr: number): void {
    const heap = pffft.HEAPF32;
    const base = ptr >> 2;
    this.backward(heap.subarray(base, base + 2 * this.h), 0, heap, base);
  }
}
