import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MetdbError } from '../errors/metdb-error.js';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../ports/blob-store.js';
import { assertSafeLocalKey, assertSafeLocalPrefix, LOCAL_STAGING_DIR } from './blob-key.js';
import { contentTypeOf } from './content-type.js';

export interface LocalFolderBlobStoreOptions {
  /** The bucket name this folder stands for. @default the folder's base name */
  bucket?: string;
}

/**
 * A folder used as a bucket: key `a/b.tif` is the file `<root>/a/b.tif`.
 *
 * - Writes are atomic: bytes go to `<root>/.metdb-tmp/<uuid>` and are renamed into place (create-only
 *   writes use `link`, which fails if the name exists, so two racing creators cannot both win).
 * - Keys are checked against path traversal (`..`, absolute names, backslashes): see `assertSafeLocalKey`.
 * - `generation` is the file's modification time in nanoseconds, as a string; `contentType` is
 *   inferred from the extension (the folder keeps no metadata); `md5Hash` is computed by `head`,
 *   and by `put` when first read.
 * - A generation precondition other than `0` is checked then applied, not atomically.
 */
export class LocalFolderBlobStore implements BlobStore {
  readonly bucket: string;
  readonly root: string;

  constructor(root: string, options: LocalFolderBlobStoreOptions = {}) {
    this.root = resolve(root);
    this.bucket = options.bucket ?? basename(this.root);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      // A view of the Buffer, not a copy: a copy of a large image is a fresh allocation, whose page
      // faults alone cost more than the read.
      const bytes = await readFile(path);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError('read', key, error);
    }
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError('read', key, error);
    }
    try {
      const buffer = new Uint8Array(Math.max(0, range.length));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, range.offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const stats = await stat(path, { bigint: true });
      if (!stats.isFile()) return undefined;
      return { ...infoOf(key, stats), md5Hash: await md5OfFile(path) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError('stat', key, error);
    }
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    const path = this.pathOf(key);
    const staging = join(this.root, LOCAL_STAGING_DIR);
    const temp = join(staging, randomUUID());
    try {
      await mkdir(staging, { recursive: true });
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, bytes, { flag: 'wx' });
      const info = infoOf(key, await stat(temp, { bigint: true }));
      if (options.ifGenerationMatch === 0) {
        await link(temp, path).catch((error: unknown) => {
          throw isCode(error, 'EEXIST') ? preconditionFailed(key, 0) : error;
        });
        await unlink(temp);
      } else {
        if (options.ifGenerationMatch !== undefined) {
          const current = await this.head(key);
          if (current?.generation !== options.ifGenerationMatch) {
            throw preconditionFailed(key, options.ifGenerationMatch);
          }
        }
        await rename(temp, path);
      }
      return withLazyMd5({ ...info, contentType: options.contentType ?? info.contentType }, bytes);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof MetdbError) throw error;
      if (isCode(error, 'ENOTDIR') || isCode(error, 'EISDIR')) {
        throw new MetdbError(
          'conflict',
          `object name ${JSON.stringify(key)} collides with a folder or file`,
          {
            details: { key },
            cause: error,
          },
        );
      }
      throw ioError('write', key, error);
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    assertSafeLocalPrefix(prefix);
    const lastSlash = prefix.lastIndexOf('/');
    const base = lastSlash < 0 ? '' : prefix.slice(0, lastSlash);
    const found: BlobInfo[] = [];
    await this.walk(base, prefix, found);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw ioError('delete', key, error);
    }
  }

  private pathOf(key: string): string {
    assertSafeLocalKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async walk(folderKey: string, prefix: string, found: BlobInfo[]): Promise<void> {
    const folder = folderKey === '' ? this.root : join(this.root, ...folderKey.split('/'));
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || isCode(error, 'ENOTDIR')) return;
      throw ioError('list', prefix, error);
    }
    for (const entry of entries) {
      if (folderKey === '' && entry.name === LOCAL_STAGING_DIR) continue;
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, found);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        found.push(infoOf(key, await stat(join(folder, entry.name), { bigint: true })));
      }
    }
  }
}

/**
 * `info` with its `md5Hash` computed from `bytes` when first read: the pipeline's ingest, which
 * writes every canonical copy, never reads it.
 */
function withLazyMd5(info: BlobInfo, bytes: Uint8Array): BlobInfo {
  let md5: string | undefined;
  return Object.defineProperty(info, 'md5Hash', {
    enumerable: true,
    get: () => (md5 ??= createHash('md5').update(bytes).digest('base64')),
  });
}

/** A file's `BlobInfo` from its `stat` (bigint: the generation is its mtime in nanoseconds). */
export function infoOf(key: string, stats: { size: bigint; mtimeNs: bigint; mtimeMs: bigint }): BlobInfo {
  return {
    key,
    size: Number(stats.size),
    generation: stats.mtimeNs.toString(),
    contentType: contentTypeOf(key),
    updated: new Date(Number(stats.mtimeMs)),
  };
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

function preconditionFailed(key: string, expected: 0 | string): MetdbError {
  return new MetdbError(
    'conflict',
    expected === 0
      ? `object ${JSON.stringify(key)} already exists`
      : `object ${JSON.stringify(key)} is not at generation ${expected}`,
    { details: { key, precondition: 'ifGenerationMatch', expected } },
  );
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function isMissing(error: unknown): boolean {
  return isCode(error, 'ENOENT') || isCode(error, 'EISDIR') || isCode(error, 'ENOTDIR');
}

function ioError(action: string, key: string, cause: unknown): MetdbError {
  return new MetdbError('unavailable', `could not ${action} ${JSON.stringify(key)} in the local bucket`, {
    details: { key },
    cause,
  });
}
