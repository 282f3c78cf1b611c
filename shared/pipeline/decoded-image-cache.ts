import { LRUCache } from 'lru-cache';
import { MetdbError } from '../errors/metdb-error.js';
import type { DecodedImage } from '../imaging/image-info.js';
import type { BlobStore } from '../ports/blob-store.js';

export interface DecodedImageCacheOptions {
  /** Largest total of decoded pixel bytes kept, bytes. @default 256 MiB */
  maxBytes?: number;
}

/**
 * A small least-recently-used cache of decoded canonical images, per process: a function instance
 * registering many tiles of the same pair decodes each image once. Keyed by bucket, object name and
 * channel (canonical objects are written once and never change). Concurrent requests for the same
 * image share one decode. An image decoded elsewhere (by ingest, in another thread) can be `put`.
 */
export class DecodedImageCache {
  /** The images decoded already, least recently used first out beyond `maxBytes`. */
  private readonly images: LRUCache<string, DecodedImage>;
  /** The decodes under way, which concurrent requests share. */
  private readonly loading = new Map<string, Promise<DecodedImage>>();

  constructor(options: DecodedImageCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? 256 * 2 ** 20;
    this.images = new LRUCache({
      maxSize: maxBytes,
      // Capped at the whole budget: an image larger than it is still kept (alone), or every tile
      // of a large stack would decode it again.
      sizeCalculation: (image) => Math.max(1, Math.min(maxBytes, image.array.data.byteLength)),
    });
  }

  /**
   * The image `get` would give, when it is decoded already (no promise to wait for: a tile's
   * common case, two of them a tile), else undefined. Counts as a use, like `get`.
   */
  peek(bucket: string, key: string, channel: number): DecodedImage | undefined {
    return this.images.get(idOf(bucket, key, channel));
  }

  /**
   * The decoded image at `key` in `store`. A missing object is a permanent
   * `MetdbError('not-found')`; decoding errors are the decoder's.
   */
  get(store: BlobStore, key: string, channel: number): Promise<DecodedImage> {
    const id = idOf(store.bucket, key, channel);
    const image = this.images.get(id);
    if (image !== undefined) return Promise.resolve(image);
    const pending = this.loading.get(id);
    if (pending !== undefined) return pending;
    const loading = load(store, key, channel).finally(() => this.loading.delete(id));
    this.loading.set(id, loading);
    return loading.then((decoded) => {
      this.put(store.bucket, key, channel, decoded);
      return decoded;
    });
  }

  /**
   * Adds an image decoded elsewhere: the canonical object `key` of `bucket` decoded with
   * `channel`, exactly as `get` would decode it. An entry already there is kept.
   */
  put(bucket: string, key: string, channel: number, image: DecodedImage): void {
    const id = idOf(bucket, key, channel);
    if (!this.images.has(id)) this.images.set(id, image);
  }
}

function idOf(bucket: string, key: string, channel: number): string {
  return `${bucket}\u0000${key}\u0000${channel}`;
}

async function load(store: BlobStore, key: string, channel: number): Promise<DecodedImage> {
  const bytes = await store.get(key);
  if (bytes === undefined) {
    throw new MetdbError('not-found', `canonical image ${store.bucket}/${key} does not exist`, {
      details: { bucket: store.bucket, key },
    });
  }
  // Loaded when first needed: a local worker that is given every image decoded never loads sharp.
  const { decodeImage } = await import('../imaging/decode-image.js');
  return decodeImage(bytes, { channel });
}

/** The process-wide cache of the functions and the local runner. */
export const decodedImages = new DecodedImageCache();
