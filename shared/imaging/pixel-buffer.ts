type PixelCtor<T> = {
  new (buffer: ArrayBuffer | SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
};

/**
 * A zeroed array of `length` elements for decoded pixels, in a `SharedArrayBuffer` when `shared`
 * (see `DecodeOptions.sharedMemory`), else in an ordinary buffer.
 */
export function pixelBuffer<T>(Ctor: PixelCtor<T>, length: number, shared: boolean): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  return new Ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}
