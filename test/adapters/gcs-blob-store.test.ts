import { createHash, randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store.js';
import { crc32c, crc32cBase64 } from '../../scripts/dev-cloud/crc32c.js';
import { startGcsDouble, type GcsDouble } from '../support/gcs-double.js';
import { blobStoreContract } from './blob-store-contract.js';

let double: GcsDouble;
let storage: Storage;

beforeAll(async () => {
  double = await startGcsDouble();
  storage = new Storage({ apiEndpoint: double.endpoint, projectId: 'demo-metdb' });
});
afterAll(async () => {
  await double.stop();
});

describe('crc32c', () => {
  it('matches the standard check value and the storage client implementation', async () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const { CRC32C } = await import('@google-cloud/storage');
    const data = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    const theirs = new CRC32C();
    theirs.update(Buffer.from(data));
    expect(crc32cBase64(data)).toBe(theirs.toString());
  });
});

describe('GcsBlobStore on the real client against the GCS JSON API double', () => {
  blobStoreContract(() => new GcsBlobStore(`bucket-${randomUUID()}`, { storage }));

  it('uploads above the threshold through a resumable session and downloads with hash validation', async () => {
    const store = new GcsBlobStore('big', { storage, resumableThreshold: 1024 * 1024 });
    const data = new Uint8Array(6 * 1024 * 1024 + 3).map((_, i) => (i * 2654435761) >>> 24);
    const info = await store.put('stack.tif', data, { contentType: 'image/tiff', ifGenerationMatch: 0 });
    expect(
      double.requests.some(
        (r) => r.startsWith('POST /upload/storage/v1/b/big/o?') && r.includes('uploadType=resumable'),
      ),
    ).toBe(true);
    expect(info.md5Hash).toBe(createHash('md5').update(data).digest('base64'));
    expect(info.crc32c).toBe(crc32cBase64(data));
    const back = await store.get('stack.tif');
    expect(back?.length).toBe(data.length);
    expect(Buffer.from(back ?? []).equals(Buffer.from(data))).toBe(true);
    await expect(store.put('stack.tif', data, { ifGenerationMatch: 0 })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('uses one multipart request below the threshold and records content type and metadata', async () => {
    const store = new GcsBlobStore('small', { storage });
    await store.put('a b/ü.json', new TextEncoder().encode('{}'), {
      contentType: 'application/json',
      metadata: { imageId: 'x1' },
    });
    expect(
      double.requests.some(
        (r) => r.startsWith('POST /upload/storage/v1/b/small/o?') && r.includes('uploadType=multipart'),
      ),
    ).toBe(true);
    expect(await store.head('a b/ü.json')).toMatchObject({
      contentType: 'application/json',
      metadata: { imageId: 'x1' },
      size: 2,
    });
  });

  it('fails the download when the bytes do not match the server hashes (the client validates)', async () => {
    const store = new GcsBlobStore('tamper', { storage });
    await store.put('t.bin', new Uint8Array([1, 2, 3, 4]));
    const key = 'tamper/t.bin';
    const object = double.objects.get(key);
    expect(object).toBeDefined();
    (double.objects as Map<string, typeof object>).set(key, {
      ...object!,
      bytes: new Uint8Array([1, 2, 3, 5]),
    });
    await expect(store.get('t.bin')).rejects.toMatchObject({ code: 'unavailable', kind: 'transient' });
  });

  it('accepts a resumable upload sent in several chunks and announces each finalized object', async () => {
    const finalized: Record<string, unknown>[] = [];
    double.onFinalize((resource) => finalized.push(resource));
    const data = Buffer.alloc(3 * 256 * 1024 + 5, 7);
    await storage
      .bucket('chunked')
      .file('c.bin')
      .save(data, { resumable: true, chunkSize: 256 * 1024 });
    const [back] = await storage.bucket('chunked').file('c.bin').download();
    expect(back.equals(data)).toBe(true);
    expect(
      double.requests.filter((r) => r.startsWith('PUT /upload/storage/v1/b/chunked/o?')).length,
    ).toBeGreaterThan(1);
    expect(finalized.find((r) => r.bucket === 'chunked')).toMatchObject({
      name: 'c.bin',
      size: String(data.length),
      crc32c: crc32cBase64(data),
    });
  });

  it('lists across pages', async () => {
    const store = new GcsBlobStore('paged', { storage });
    for (let i = 0; i < 5; i++) await store.put(`p/${i}.txt`, new Uint8Array([i]));
    const [files, , response] = await storage
      .bucket('paged')
      .getFiles({ prefix: 'p/', maxResults: 2, autoPaginate: false });
    expect(files).toHaveLength(2);
    expect((response as { nextPageToken?: string }).nextPageToken).toBeTruthy();
    expect((await store.list('p/')).map((i) => i.key)).toEqual([
      'p/0.txt',
      'p/1.txt',
      'p/2.txt',
      'p/3.txt',
      'p/4.txt',
    ]);
  });
});
