import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFolderBlobStore } from '../../shared/adapters/local-folder-blob-store.js';
import { blobStoreFromEnv } from '../../shared/adapters/blob-store-from-env.js';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { blobStoreContract } from './blob-store-contract.js';

const base = mkdtempSync(join(tmpdir(), 'metdb-local-bucket-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

describe('LocalFolderBlobStore', () => {
  blobStoreContract(() => new LocalFolderBlobStore(join(base, `bucket-${++n}`)));

  it.each([
    ['../outside.tif'],
    ['a/../../outside.tif'],
    ['/etc/passwd'],
    ['a/./b'],
    ['a//b'],
    ['a\\..\\b'],
    ['nul\0byte'],
    [''],
    ['.metdb-tmp/x'],
  ])('refuses the key %j with a permanent invalid-argument error and writes nothing', async (key) => {
    const root = join(base, `refuse-${++n}`);
    const store = new LocalFolderBlobStore(root);
    const attempt = store.put(key, new Uint8Array([1]));
    await expect(attempt).rejects.toSatisfy(
      (e: unknown) => isMetdbError(e, 'invalid-argument') && e.kind === 'permanent',
    );
    await expect(store.get(key)).rejects.toSatisfy((e: unknown) => isMetdbError(e, 'invalid-argument'));
    expect(existsSync(join(base, 'outside.tif'))).toBe(false);
  });

  it('leaves no staging files behind and hides the staging folder from list', async () => {
    const root = join(base, `staging-${++n}`);
    const store = new LocalFolderBlobStore(root);
    await store.put('a.tif', new Uint8Array([1, 2]));
    await store.put('a.tif', new Uint8Array([3]), { ifGenerationMatch: 0 }).catch(() => undefined);
    expect(readdirSync(join(root, '.metdb-tmp'))).toEqual([]);
    expect((await store.list('')).map((i) => i.key)).toEqual(['a.tif']);
  });

  it('reports a key that collides with a folder as a conflict', async () => {
    const store = new LocalFolderBlobStore(join(base, `collide-${++n}`));
    await store.put('a/b.tif', new Uint8Array([1]));
    await expect(store.put('a', new Uint8Array([1]))).rejects.toSatisfy((e: unknown) =>
      isMetdbError(e, 'conflict'),
    );
    expect(await store.get('a')).toBeUndefined();
  });

  it('infers the content type from the extension and names the bucket after the folder', async () => {
    const store = new LocalFolderBlobStore(join(base, 'raw-bucket'));
    expect(store.bucket).toBe('raw-bucket');
    await store.put('x/1.TIF', new Uint8Array([1]));
    expect((await store.head('x/1.TIF'))?.contentType).toBe('image/tiff');
  });
});

describe('blobStoreFromEnv', () => {
  it('uses <METDB_LOCAL_BUCKET_DIR>/<bucket> when set, GCS otherwise, one store per bucket', async () => {
    const env = { METDB_LOCAL_BUCKET_DIR: base };
    const store = blobStoreFromEnv('uploads', env);
    expect(store).toBeInstanceOf(LocalFolderBlobStore);
    expect(blobStoreFromEnv('uploads', env)).toBe(store);
    await store.put('d/x.txt', new Uint8Array([7]));
    expect(existsSync(join(base, 'uploads', 'd', 'x.txt'))).toBe(true);
    expect(blobStoreFromEnv('uploads', { METDB_GCS_API_ENDPOINT: 'http://127.0.0.1:1' })).toBeInstanceOf(
      GcsBlobStore,
    );
  });
});
