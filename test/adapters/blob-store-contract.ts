import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import type { BlobStore } from '../../shared/ports/blob-store.js';

/** Behaviour every `BlobStore` adapter must show; `store()` gives a fresh, empty bucket per test. */
export function blobStoreContract(store: () => BlobStore): void {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('returns undefined for a missing object, on get, getRange and head', async () => {
    const s = store();
    expect(await s.get('missing.tif')).toBeUndefined();
    expect(await s.getRange('missing.tif', { offset: 0, length: 4 })).toBeUndefined();
    expect(await s.head('missing.tif')).toBeUndefined();
    expect(await s.delete('missing.tif')).toBe(false);
  });

  it('round-trips bytes and reports size, generation and md5', async () => {
    const s = store();
    const data = bytes('hello microscopy');
    const info = await s.put('raw/ds1/a.tif', data, { contentType: 'image/tiff' });
    expect(info.size).toBe(data.length);
    expect(info.generation).toMatch(/^\d+$/);
    const md5 = createHash('md5').update(data).digest('base64');
    expect(info.md5Hash).toBe(md5);
    expect(await s.get('raw/ds1/a.tif')).toEqual(data);
    const head = await s.head('raw/ds1/a.tif');
    expect(head).toMatchObject({
      key: 'raw/ds1/a.tif',
      size: data.length,
      generation: info.generation,
      md5Hash: md5,
    });
    expect(head?.contentType).toBe('image/tiff');
  });

  it('reads byte ranges, short at the end of the object', async () => {
    const s = store();
    await s.put('r.bin', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(await s.getRange('r.bin', { offset: 2, length: 3 })).toEqual(new Uint8Array([2, 3, 4]));
    expect(await s.getRange('r.bin', { offset: 8, length: 10 })).toEqual(new Uint8Array([8, 9]));
    expect(await s.getRange('r.bin', { offset: 12, length: 2 })).toEqual(new Uint8Array(0));
  });

  it('overwrites with a new generation, and honours ifGenerationMatch', async () => {
    const s = store();
    const first = await s.put('x.json', bytes('{"v":1}'));
    const second = await s.put('x.json', bytes('{"v":2}'));
    expect(second.generation).not.toBe(first.generation);
    const stale = s.put('x.json', bytes('{"v":3}'), { ifGenerationMatch: first.generation });
    await expect(stale).rejects.toSatisfy(
      (e: unknown) => isMetdbError(e, 'conflict') && e.kind === 'permanent',
    );
    await s.put('x.json', bytes('{"v":3}'), { ifGenerationMatch: second.generation });
    expect(new TextDecoder().decode(await s.get('x.json'))).toBe('{"v":3}');
  });

  it('create-only (ifGenerationMatch 0) writes once and then fails with a conflict, bytes unchanged', async () => {
    const s = store();
    await s.put('once.txt', bytes('first'), { ifGenerationMatch: 0 });
    const again = s.put('once.txt', bytes('second'), { ifGenerationMatch: 0 });
    await expect(again).rejects.toSatisfy((e: unknown) => isMetdbError(e, 'conflict'));
    expect(new TextDecoder().decode(await s.get('once.txt'))).toBe('first');
  });

  it('lets exactly one of several concurrent create-only writers win', async () => {
    const s = store();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => s.put('race.txt', bytes(`writer ${i}`), { ifGenerationMatch: 0 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && isMetdbError(r.reason, 'conflict'))).toHaveLength(
      5,
    );
  });

  it('lists by prefix, sorted, and deletes', async () => {
    const s = store();
    for (const key of ['ds/b.tif', 'ds/a.tif', 'ds/sub/c.tif', 'other/d.tif', 'dsx/e.tif'])
      await s.put(key, bytes(key));
    expect((await s.list('ds/')).map((i) => i.key)).toEqual(['ds/a.tif', 'ds/b.tif', 'ds/sub/c.tif']);
    expect((await s.list('ds')).map((i) => i.key)).toEqual([
      'ds/a.tif',
      'ds/b.tif',
      'ds/sub/c.tif',
      'dsx/e.tif',
    ]);
    expect((await s.list('ds/a')).map((i) => [i.key, i.size])).toEqual([['ds/a.tif', 8]]);
    expect(await s.list('nothing/')).toEqual([]);
    expect(await s.delete('ds/a.tif')).toBe(true);
    expect(await s.get('ds/a.tif')).toBeUndefined();
    expect((await s.list('')).map((i) => i.key)).toEqual([
      'ds/b.tif',
      'ds/sub/c.tif',
      'dsx/e.tif',
      'other/d.tif',
    ]);
  });

  it('stores names with spaces, unicode and dots inside segments', async () => {
    const s = store();
    const keys = ['my data/série 1/α β.tif', 'a/file..tif', 'a/.hidden', "a/it's #1 (copy)?.tif"];
    for (const key of keys) await s.put(key, bytes(key));
    for (const key of keys) expect(new TextDecoder().decode(await s.get(key))).toBe(key);
    expect((await s.list('my data/')).map((i) => i.key)).toEqual(['my data/série 1/α β.tif']);
  });
}
