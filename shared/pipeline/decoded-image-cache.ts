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
  private readonly maxBytes: number;
  private readonly entries = new Map<string, Promise<DecodedImage>>();
  /** The entries decoded already (for `peek`, and their sizes for eviction); the others are loading. */
  private readonly ready = new Map<string, DecodedImage>();

  constructor(options: DecodedImageCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 2 ** 20;
  }

  /**
   * The image `get` would give, when it is decoded already (no promise to wait for: a tile's
   * common case, two of them a tile), else undefined. Counts as a use, like `get`.
   */
  peek(bucket: string, key: string, channel: number): DecodedImage | undefined {
    const id = idOf(bucket, key, channel);
    const image = this.ready.get(id);
    if (image !== undefined) {
      const entry = this.entries.get(id)!;
      this.entries.delete(id);
      this.entries.set(id, entry); // most recently used last
    }
    return image;
  }

  /**
   * The decoded image at `key` in `store`. A missing object is a permanent
   * `MetdbError('not-found')`; decoding errors are the decoder's.
   */
  get(store: BlobStore, key: string, channel: number): Promise<DecodedImage> {
    const id = idOf(store.bucket, key, channel);
    const cached = this.entries.get(id);
    if (cached !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, cached); // most recently used last
      return cached;
    }
    const loading = load(store, key, channel).then(
      (image) => {
        this.ready.set(id, image);
        this.evict(id);
        return image;
      },
      (error: unknown) => {
        this.entries.delete(id);
        throw error;
      },
    );
    this.entries.set(id, loading);
    return loading;
  }

  /**
   * Adds an image decoded elsewhere: the canonical object `key` of `bucket` decoded with
   * `channel`, exactly as `get` would decode it. An entry already there is kept.
   */
  put(bucket: string, key: string, channel: number, image: DecodedImage): void {
    const id = idOf(bucket, key, channel);
    if (this.entries.has(id)) return;
    this.entries.set(id, Promise.resolve(image));
    this.ready.set(id, image);
    this.evict(id);
  }

  private evict(keep: string): void {
    let total = 0;
    for (const image of this.ready.values()) total += image.array.data.byteLength;
    for (const id of this.entries.keys()) {
      if (total <= this.maxBytes) break;
      const image = this.ready.get(id);
      if (id === keep || image === undefined) continue; // still loading: kept
      total -= image.array.data.byteLength;
      this.ready.delete(id);
      this.entries.delete(id);
    }
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
