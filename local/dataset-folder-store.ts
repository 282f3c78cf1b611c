import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSafeLocalKey } from '../shared/adapters/blob-key.js';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { infoOf, LocalFolderBlobStore } from '../shared/adapters/local-folder-blob-store.js';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../shared/ports/blob-store.js';

/** The bucket name a local run records for its uploads (`images.source_bucket`). */
export const LOCAL_UPLOAD_BUCKET = 'local-folder';

/**
 * A folder of images seen as one dataset folder of an upload bucket: the file `<folder>/a.tif` is
 * the object `<dataset>/a.tif`, so the pipeline's ingest (which takes the dataset from the first
 * path segment) treats it exactly like an upload to `gs://<bucket>/<dataset>/a.tif`. Read-only:
 * the user's folder is never written; the canonical copies go to the run's output folder.
 */
export class DatasetFolderStore implements BlobStore {
  readonly bucket: string;
  private readonly inner: LocalFolderBlobStore;

  constructor(
    readonly folder: string,
    readonly dataset: string,
    options: { bucket?: string } = {},
  ) {
    this.bucket = options.bucket ?? LOCAL_UPLOAD_BUCKET;
    this.inner = new LocalFolderBlobStore(folder, { bucket: this.bucket });
  }

  /** The object name of a file of the folder (a path relative to it, `/`-separated). */
  objectName(file: string): string {
    return `${this.dataset}/${file}`;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    const inner = this.innerKey(key);
    return inner === undefined ? Promise.resolve(undefined) : this.inner.get(inner);
  }

  getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    const inner = this.innerKey(key);
    return inner === undefined ? Promise.resolve(undefined) : this.inner.getRange(inner, range);
  }

  /**
   * The file's size and generation (modification time, ns), as `LocalFolderBlobStore.head`
   * reports them, but without `md5Hash`: nothing reads the MD5 of an upload, and computing it
   * reads the whole file (ingest asks twice per file, then reads the file once more).
   */
  async head(key: string): Promise<BlobInfo | undefined> {
    const inner = this.innerKey(key);
    if (inner === undefined) return undefined;
    assertSafeLocalKey(inner);
    try {
      const stats = await stat(join(this.folder, ...inner.split('/')), { bigint: true });
      return stats.isFile() ? infoOf(key, stats) : undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new MetdbError('unavailable', `cannot stat ${JSON.stringify(key)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  put(key: string, _bytes: Uint8Array, _options?: PutOptions): Promise<BlobInfo> {
    return Promise.reject(
      new MetdbError('invalid-argument', `the local upload folder is read-only (put ${JSON.stringify(key)})`),
    );
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const own = `${this.dataset}/`;
    if (!prefix.startsWith(own) && !own.startsWith(prefix)) return [];
    const inner = prefix.length > own.length ? prefix.slice(own.length) : '';
    return (await this.inner.list(inner)).map((info) => ({ ...info, key: `${own}${info.key}` }));
  }

  delete(key: string): Promise<boolean> {
    return Promise.reject(
      new MetdbError(
        'invalid-argument',
        `the local upload folder is read-only (delete ${JSON.stringify(key)})`,
      ),
    );
  }

  private innerKey(key: string): string | undefined {
    const own = `${this.dataset}/`;
    return key.startsWith(own) && key.length > own.length ? key.slice(own.length) : undefined;
  }
}
