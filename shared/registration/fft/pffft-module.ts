/**
 * The PFFFT library (Pommier's pretty fast FFT, BSD-like licence) compiled to WebAssembly with SIMD,
 * from `@echogarden/pffft-wasm`. Loaded once per process (and once per worker thread) with a
 * top-level await so that every transform after it is synchronous.
 *
 * PFFFT works in single precision on buffers that live in the WebAssembly heap; sizes must be of
 * the form 2^a 3^b 5^c, a multiple of 16 (complex) or 32 (real). Other sizes go through Bluestein
 * (see `complex-plan.ts`).
 */
// @ts-expect-error: the package ships no type declarations; `PffftModule` below describes it.
import loadSimd from '@echogarden/pffft-wasm/simd';

export interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): void;
  _pffft_zconvolve_accumulate(setup: number, a: number, b: number, ab: number, scaling: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
}

export const PFFFT_REAL = 0;
export const PFFFT_COMPLEX = 1;
export const PFFFT_FORWARD = 0;
export const PFFFT_BACKWARD = 1;

export const pffft = await (loadSimd as () => Promise<PffftModule>)();

/** A block of float32 values in the WebAssembly heap. Views must be re-taken after any allocation. */
export class HeapBuffer {
  readonly ptr: number;
  readonly length: number;
  private freed = false;
  private cached: Float32Array | undefined;

  constructor(length: number) {
    this.length = length;
    this.ptr = pffft._pffft_aligned_malloc(Math.max(1, length) * 4);
    if (this.ptr === 0) throw new RangeError(`out of WebAssembly memory allocating ${length} floats`);
  }

  /** A Float32Array over the buffer (valid until the next heap growth; re-made after one). */
  get view(): Float32Array {
    const heap = pffft.HEAPF32.buffer;
    if (this.cached === undefined || this.cached.buffer !== heap) {
      this.cached = new Float32Array(heap, this.ptr, this.length);
    }
    return this.cached;
  }

  /** Byte address of float `index` of this buffer. */
  at(index: number): number {
    return this.ptr + index * 4;
  }

  free(): void {
    if (!this.freed) {
      pffft._pffft_aligned_free(this.ptr);
      this.freed = true;
    }
  }
}
