/**
 * Decoded images handed from ingest to the workers: `ingestUpload` reports the pixels of each
 * single-channel image it stored (exactly what decoding the canonical copy gives), the local runner
 * copies them once into shared memory, and a worker's cache serves them without reading the store.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import type { DecodedImage } from '../../shared/imaging/image-info.js';
import { isSharedDecodedImage, sharedDecodedImage } from '../../local/shared-decoded-image.js';
import { DecodedImageCache } from '../../shared/pipeline/decoded-image-cache.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import { createPipelineFixture, SERIES, type PipelineFixture } from '../pipeline/pipeline-fixture.js';

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('decoded images shared with the workers', () => {
  it('ingest reports the pixels of the canonical copy, under its key, once stored', async () => {
    fixture = await createPipelineFixture();
    const reported: { key: string; image: DecodedImage }[] = [];
    const deps = {
      ...fixture.deps,
      onImageDecoded: (key: string, image: DecodedImage) => reported.push({ key, image }),
    };
    await deps.blobs.put('series/frame_00.tif', readFileSync(`${SERIES}/frame_00.tif`));
    const result = await ingestUpload(deps, await fixture.eventOf('series/frame_00.tif'));
    expect(result.outcome).toBe('ingested');
    expect(reported).toHaveLength(1);
    const copy = await fixture.deps.blobs.get(reported[0]!.key);
    const decoded = await decodeImage(copy!, { channel: 0 });
    expect(reported[0]!.image.array.shape).toEqual(decoded.array.shape);
    expect(Buffer.from(reported[0]!.image.array.data.buffer)).toEqual(Buffer.from(decoded.array.data.buffer));
  });

  it('copies the pixels into shared memory, and a cache serves them without the store', async () => {
    const decoded = await decodeImage(readFileSync(`${SERIES}/frame_00.tif`));
    const message = sharedDecodedImage('datasets/d/images/i.tif', decoded);
    expect(message.image.array.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(message.image.array.data)).toEqual(Array.from(decoded.array.data));
    const cloned = structuredClone(message);
    expect(isSharedDecodedImage(cloned)).toBe(true);
    expect(isSharedDecodedImage({ type: 'decoded-image', key: 'k', image: {} })).toBe(false);

    const cache = new DecodedImageCache();
    cache.put('results', message.key, 0, cloned.image);
    const store: BlobStore = {
      bucket: 'results',
      get: () => Promise.reject(new Error('must not read the store')),
      getRange: () => Promise.reject(new Error('must not read the store')),
      head: () => Promise.reject(new Error('must not read the store')),
      put: () => Promise.reject(new Error('must not write the store')),
      list: () => Promise.resolve([]),
      delete: () => Promise.resolve(false),
    };
    expect((await cache.get(store, message.key, 0)).array.data).toBe(cloned.image.array.data);
  });

  it('peeks at the images decoded already, put or loaded, and forgets the ones it evicts', async () => {
    const decoded = await decodeImage(readFileSync(`${SERIES}/frame_00.tif`));
    const bytes = decoded.array.data.byteLength;
    const cache = new DecodedImageCache({ maxBytes: 2 * bytes });
    const frame = readFileSync(`${SERIES}/frame_01.tif`);
    let reads = 0;
    const store: BlobStore = {
      bucket: 'results',
      get: () => {
        reads++;
        return Promise.resolve(frame);
      },
      getRange: () => Promise.reject(new Error('not used')),
      head: () => Promise.reject(new Error('not used')),
      put: () => Promise.reject(new Error('not used')),
      list: () => Promise.resolve([]),
      delete: () => Promise.resolve(false),
    };
    expect(cache.peek('results', 'a', 0)).toBeUndefined();
    cache.put('results', 'a', 0, decoded);
    expect(cache.peek('results', 'a', 0)).toBe(decoded);
    expect(cache.peek('results', 'a', 1)).toBeUndefined(); // another channel, another entry
    const loading = cache.get(store, 'b', 0);
    expect(cache.peek('results', 'b', 0)).toBeUndefined(); // not decoded yet
    const b = await loading;
    expect(cache.peek('results', 'b', 0)).toBe(b);
    // 'a' is used last (a peek counts as a use): a third image evicts 'b', not 'a'.
    expect(cache.peek('results', 'a', 0)).toBe(decoded);
    cache.put('results', 'c', 0, decoded);
    expect(cache.peek('results', 'b', 0)).toBeUndefined();
    expect(cache.peek('results', 'a', 0)).toBe(decoded);
    expect(reads).toBe(1);
  });
});
