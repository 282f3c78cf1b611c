/**
 * A float64 buffer reused from call to call by one hot path of one thread (a tile's windowed
 * pixels, its samples). Allocating such buffers anew for every tile (five of 128 KiB for a 128²
 * tile) made V8 collect garbage every few dozen tiles, on the registering thread and on its helper
 * threads: 0.3 of a core beside one registering thread, which two registering threads on two cores
 * have no room for.
 *
 * `take(n)` returns the first n elements, with whatever the last caller left in them: the caller
 * writes every element it reads, uses the array synchronously, and keeps nothing of it past the
 * next `take` on the same buffer. Requests above `keepUpTo` elements (whole images, 3D stacks)
 * get an array of their own, so that one large call does not pin its memory for the thread's life.
 */
export class ScratchFloat64 {
  private buffer = new Float64Array(0);

  constructor(private readonly keepUpTo = 1 << 18) {}

  take(length: number): Float64Array {
    if (length > this.keepUpTo) return new Float64Array(length);
    if (this.buffer.length < length) this.buffer = new Float64Array(length);
    return this.buffer.subarray(0, length);
  }
}

/** `ScratchFloat64` for float32 buffers (the upsampled DFT's interleaved complex values). */
export class ScratchFloat32 {
  private buffer = new Float32Array(0);

  constructor(private readonly keepUpTo = 1 << 18) {}

  take(length: number): Float32Array {
    if (length > this.keepUpTo) return new Float32Array(length);
    if (this.buffer.length < length) this.buffer = new Float32Array(length);
    return this.buffer.subarray(0, length);
  }
}
