/**
 * A float buffer reused from call to call by one hot path of one thread, held in a workspace
 * (`TileWorkspace`, `CorrelationWorkspace`) that the thread passes in (a tile's windowed
 * pixels, its samples, the upsampled DFT's values). Allocating such buffers anew for every tile
 * (five of 128 KiB for a 128² tile) made V8 collect garbage every few dozen tiles, on the
 * registering thread and on its helper threads: 0.3 of a core beside one registering thread,
 * which two registering threads on two cores have no room for.
 *
 * `take(n)` returns the first n elements, with whatever the last caller left in them: the caller
 * writes every element it reads, uses the array synchronously, and keeps nothing of it past the
 * next `take` on the same buffer. Requests above `keepUpTo` elements (whole images, 3D stacks)
 * get an array of their own, so that one large call does not pin its memory for the thread's life.
 */
class ScratchArray<T extends Float32Array | Float64Array> {
  private buffer: T;

  constructor(
    private readonly make: (length: number) => T,
    private readonly keepUpTo: number,
  ) {
    this.buffer = make(0);
  }

  take(length: number): T {
    if (length > this.keepUpTo) return this.make(length);
    if (this.buffer.length < length) this.buffer = this.make(length);
    return this.buffer.subarray(0, length) as T;
  }
}

/** A reused float64 buffer (see `ScratchArray`). */
export class ScratchFloat64 extends ScratchArray<Float64Array> {
  constructor(keepUpTo = 1 << 18) {
    super((length) => new Float64Array(length), keepUpTo);
  }
}

/** A reused float32 buffer (see `ScratchArray`): the upsampled DFT's interleaved complex values. */
export class ScratchFloat32 extends ScratchArray<Float32Array> {
  constructor(keepUpTo = 1 << 18) {
    super((length) => new Float32Array(length), keepUpTo);
  }
}
