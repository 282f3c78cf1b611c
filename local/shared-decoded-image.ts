import type { DecodedImage } from '../shared/imaging/image-info.js';
import type { PixelArray } from '../shared/ndarray/ndarray.js';

/**
 * A decoded canonical image as the local runner hands it to its workers: the pixels in a
 * `SharedArrayBuffer`, so that posting it to every worker copies nothing and all of them read the
 * one copy. `key` is the canonical object's name in the results store; the pixels are its
 * channel 0 (see `PipelineDeps.onImageDecoded`).
 */
export interface SharedDecodedImage {
  readonly type: 'decoded-image';
  readonly key: string;
  readonly image: DecodedImage;
}

/**
 * The message for `image` decoded from the canonical object `key`: its pixels as they are when
 * already in shared memory (decoded with `sharedMemory`), else copied once into it.
 */
export function sharedDecodedImage(key: string, image: DecodedImage): SharedDecodedImage {
  const source = image.array.data;
  let data = source;
  if (!(source.buffer instanceof SharedArrayBuffer)) {
    const Ctor = source.constructor as new (buffer: SharedArrayBuffer) => typeof source;
    data = new Ctor(new SharedArrayBuffer(source.byteLength));
    (data as PixelArray).set(source);
  }
  return {
    type: 'decoded-image',
    key,
    image: { array: { data, shape: [...image.array.shape] }, info: image.info },
  };
}

/** Whether a broadcast payload is a `SharedDecodedImage` (checked, as anything crossing threads). */
export function isSharedDecodedImage(payload: unknown): payload is SharedDecodedImage {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Partial<SharedDecodedImage>;
  const data = p.image?.array?.data as unknown;
  return (
    p.type === 'decoded-image' &&
    typeof p.key === 'string' &&
    Array.isArray(p.image?.array?.shape) &&
    (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array)
  );
}
