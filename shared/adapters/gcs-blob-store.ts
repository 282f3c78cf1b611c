import { Storage, type File, type FileMetadata } from '@google-cloud/storage';
import { MetdbError } from '../errors/metdb-error.js';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../ports/blob-store.js';

export interface GcsBlobStoreOptions {
  /**
   * The JSON API endpoint, e.g. `http://127.0.0.1:9023` for the test double. Without one the client
   * talks to `https://storage.googleapis.com` with Application Default Credentials.
   * @default process.env.METDB_GCS_API_ENDPOINT
   */
  apiEndpoint?: string;
  /** @default process.env.GOOGLE_CLOUD_PROJECT */
  projectId?: string;
  /** Uploads of at least this many bytes use a resumable session, smaller ones one multipart request. @default 5 MiB */
  resumableThreshold?: number;
  /** A client to share; by default one client per (endpoint, project) and process. */
  storage?: Storage;
}

const clients = new Map<string, Storage>();

/** One `Storage` client per endpoint and project for the whole process (function instances reuse it). */
export function sharedStorageClient(apiEndpoint?: string, projectId?: string): Storage {
  const id = `${apiEndpoint ?? ''}|${projectId ?? ''}`;
  let client = clients.get(id);
  if (client === undefined) {
    client = new Storage({
      ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
      ...(projectId === undefined ? {} : { projectId }),
    });
    clients.set(id, client);
  }
  return client;
}

/**
 * A Google Cloud Storage bucket through the official client (`@google-cloud/storage` 7).
 * Downloads of whole objects are checked against the server's CRC32C/MD5 by the client; uploads
 * send their own hashes. Errors become `MetdbError`s: 412 → `conflict` (permanent),
 * 400 → `invalid-argument` (permanent), anything else → `unavailable` (transient).
 */
export class GcsBlobStore implements BlobStore {
  readonly bucket: string;
  private readonly storage: Storage;
  private readonly resumableThreshold: number;

  constructor(bucket: string, options: GcsBlobStoreOptions = {}) {
    this.bucket = bucket;
    this.storage =
      options.storage ??
      sharedStorageClient(
        options.apiEndpoint ?? nonEmpty(process.env.METDB_GCS_API_ENDPOINT),
        options.projectId ?? nonEmpty(process.env.GOOGLE_CLOUD_PROJECT),
      );
    this.resumableThreshold = options.resumableThreshold ?? 5 * 1024 * 1024;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const [buffer] = await this.file(key).download();
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw mapError('download', key, error);
    }
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    if (range.length <= 0) return (await this.head(key)) === undefined ? undefined : new Uint8Array(0);
    try {
      const [buffer] = await this.file(key).download({
        start: range.offset,
        end: range.offset + range.length - 1,
      });
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return undefined;
      if (status === 416) return new Uint8Array(0);
      throw mapError('download a range of', key, error);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return infoOf(metadata, key);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw mapError('read the metadata of', key, error);
    }
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    const file = this.file(key);
    try {
      await file.save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        resumable: bytes.byteLength >= this.resumableThreshold,
        contentType: options.contentType ?? 'application/octet-stream',
        metadata: options.metadata === undefined ? {} : { metadata: options.metadata },
        ...(options.ifGenerationMatch === undefined
          ? {}
          : { preconditionOpts: { ifGenerationMatch: options.ifGenerationMatch } }),
      });
    } catch (error) {
      if (statusOf(error) === 412) {
        throw new MetdbError(
          'conflict',
          options.ifGenerationMatch === 0
            ? `object gs://${this.bucket}/${key} already exists`
            : `object gs://${this.bucket}/${key} is not at generation ${String(options.ifGenerationMatch)}`,
          {
            details: { key, precondition: 'ifGenerationMatch', expected: options.ifGenerationMatch },
            cause: error,
          },
        );
      }
      throw mapError('upload', key, error);
    }
    return infoOf(file.metadata, key);
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    try {
      const [files] = await this.storage.bucket(this.bucket).getFiles({ prefix, autoPaginate: true });
      return files.map((f) => infoOf(f.metadata, f.name)).sort((a, b) => (a.key < b.key ? -1 : 1));
    } catch (error) {
      throw mapError('list', prefix, error);
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      await this.file(key).delete();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw mapError('delete', key, error);
    }
  }

  private file(key: string): File {
    if (key.length === 0)
      throw new MetdbError('invalid-argument', 'object name is empty', { details: { key } });
    return this.storage.bucket(this.bucket).file(key);
  }
}

function infoOf(metadata: FileMetadata, key: string): BlobInfo {
  const userMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.metadata ?? {})) if (v !== null) userMetadata[k] = String(v);
  return {
    key: metadata.name ?? key,
    size: Number(metadata.size ?? 0),
    generation: String(metadata.generation ?? ''),
    ...(metadata.contentType === undefined ? {} : { contentType: metadata.contentType }),
    ...(metadata.md5Hash === undefined ? {} : { md5Hash: metadata.md5Hash }),
    ...(metadata.crc32c === undefined ? {} : { crc32c: metadata.crc32c }),
    ...(metadata.updated === undefined ? {} : { updated: new Date(metadata.updated) }),
    metadata: userMetadata,
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // ApiError (JSON API calls) carries `code`; GaxiosError (resumable sessions) carries `status`.
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code === 'number') return code;
  return typeof status === 'number' ? status : undefined;
}

function mapError(action: string, key: string, error: unknown): MetdbError {
  const status = statusOf(error);
  const message = `could not ${action} ${JSON.stringify(key)}: ${error instanceof Error ? error.message : String(error)}`;
  if (status === 400)
    return new MetdbError('invalid-argument', message, { details: { key, status }, cause: error });
  return new MetdbError('unavailable', message, { details: { key, status }, cause: error });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
