/**
 * The storage port: one bucket (or one folder standing in for a bucket) seen as a flat map from
 * keys to bytes, in the spirit of zarrita.js's `get(key): Promise<Uint8Array | undefined>`.
 *
 * Keys are object names: `/`-separated, no leading `/`, UTF-8. Adapters may refuse names they
 * cannot store safely (the local folder refuses `.` and `..` segments) with a permanent
 * `MetdbError` of code `invalid-argument`.
 */
export interface BlobInfo {
  /** The object name inside the bucket. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * The object's generation as a decimal string (GCS generations exceed 2^53). It changes on
   * every overwrite; idempotency keys use it (`gcs:<bucket>/<name>#<generation>`).
   */
  readonly generation: string;
  readonly contentType?: string;
  /** MD5 of the content, base64 (as GCS reports it). Absent when the adapter does not know it. */
  readonly md5Hash?: string;
  /** CRC32C of the content, base64 of the big-endian 32-bit value (as GCS reports it). */
  readonly crc32c?: string;
  /** Last modification time. */
  readonly updated?: Date;
  /** User metadata (string to string). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface PutOptions {
  /** MIME type recorded with the object. @default inferred by the adapter, else `application/octet-stream` */
  contentType?: string;
  /**
   * Precondition on the current generation: `0` means "create only, fail if the object exists";
   * a generation string means "replace only that exact generation". A failed precondition
   * throws a permanent `MetdbError` of code `conflict` (details `{ key, precondition }`).
   * @default undefined (unconditional overwrite)
   */
  ifGenerationMatch?: 0 | string;
  /** User metadata stored with the object (GCS only; the local folder ignores it). @default {} */
  metadata?: Record<string, string>;
}

/** A byte range: `offset` and `length` in bytes. The result is shorter if the object ends first. */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface BlobStore {
  /** The bucket name (for the local folder, the folder's base name). */
  readonly bucket: string;
  /** The whole object, or `undefined` if it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Part of an object (for headers and tiles), or `undefined` if it does not exist. */
  getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined>;
  /** Metadata of an object, or `undefined` if it does not exist. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Writes the whole object atomically: readers see the old or the new bytes, never a mix. */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<BlobInfo>;
  /** Every object whose name starts with `prefix`, sorted by key. Hashes may be absent. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Deletes an object; `true` if it existed. */
  delete(key: string): Promise<boolean>;
}
