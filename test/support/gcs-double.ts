/**
 * A MOCK of the Google Cloud Storage JSON API, in memory, over node:http: just enough for the real
 * `@google-cloud/storage` 7 client (`new Storage({ apiEndpoint: double.endpoint, projectId })`).
 * GCS has no offline emulator on these machines, so the GCS adapter is tested against this.
 *
 * Supported: multipart, media and resumable uploads (single or several chunks, `X-Goog-Hash`
 * checked when sent), `alt=media` downloads with `x-goog-hash: crc32c=...,md5=...` and `Range`,
 * object metadata GET, DELETE, list with `prefix`, `maxResults`, `pageToken`, generations
 * (a fresh one per write), the `ifGenerationMatch` precondition (`0`: create only; 412 otherwise),
 * and correct `crc32c`/`md5Hash` in object JSON. Buckets exist implicitly.
 * Not supported: ACLs, compose, copy/rewrite, versioned reads, XML API, authentication.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32cBase64 } from '../../scripts/dev-cloud/crc32c.js';

export interface StoredObject {
  readonly bucket: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly generation: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly updated: string;
  readonly md5Hash: string;
  readonly crc32c: string;
}

export interface GcsDouble {
  /** `http://127.0.0.1:<port>`: pass it as `apiEndpoint` (or `METDB_GCS_API_ENDPOINT`). */
  readonly endpoint: string;
  readonly port: number;
  /** Current objects, keyed `<bucket>/<name>`. */
  readonly objects: ReadonlyMap<string, StoredObject>;
  /** Every request seen, as `METHOD path?query` (for tests of what the client did). */
  readonly requests: readonly string[];
  /** Calls `listener` with the JSON object resource after each successful upload. */
  onFinalize(listener: (resource: Record<string, unknown>) => void): void;
  /** The JSON object resource as the API returns it. */
  resourceOf(object: StoredObject): Record<string, unknown>;
  stop(): Promise<void>;
}

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata: Record<string, string>;
  ifGenerationMatch: string | null;
  chunks: Buffer[];
  received: number;
}

export async function startGcsDouble(options: { port?: number } = {}): Promise<GcsDouble> {
  const objects = new Map<string, StoredObject>();
  const sessions = new Map<string, UploadSession>();
  const requests: string[] = [];
  const listeners: ((resource: Record<string, unknown>) => void)[] = [];
  let lastGeneration = BigInt(Date.now()) * 1000n;
  let endpoint = '';

  const resourceOf = (o: StoredObject): Record<string, unknown> => ({
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${endpoint}/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
    mediaLink: `${endpoint}/download/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.bytes.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(o.generation).toString('base64'),
    timeCreated: o.updated,
    updated: o.updated,
    ...(Object.keys(o.metadata).length > 0 ? { metadata: o.metadata } : {}),
  });

  const store = (
    s: Omit<UploadSession, 'chunks' | 'received'>,
    bytes: Buffer,
    hashHeader: string | undefined,
  ) => {
    const key = `${s.bucket}/${s.name}`;
    const existing = objects.get(key);
    if (!preconditionHolds(s.ifGenerationMatch, existing)) return { status: 412 as const };
    const object: StoredObject = {
      bucket: s.bucket,
      name: s.name,
      bytes: new Uint8Array(bytes),
      generation: String((lastGeneration = maxBig(lastGeneration + 1n, BigInt(Date.now()) * 1000n))),
      contentType: s.contentType,
      metadata: s.metadata,
      updated: new Date().toISOString(),
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      crc32c: crc32cBase64(bytes),
    };
    const sent = parseHashHeader(hashHeader);
    if ((sent.md5 && sent.md5 !== object.md5Hash) || (sent.crc32c && sent.crc32c !== object.crc32c)) {
      return { status: 400 as const };
    }
    objects.set(key, object);
    const resource = resourceOf(object);
    for (const listener of listeners) listener(resource);
    return { status: 200 as const, resource };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    requests.push(`${method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    const q = url.searchParams;
    let m: RegExpMatchArray | null;

    if ((m = url.pathname.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o$/))) {
      const bucket = decodeURIComponent(m[1] ?? '');
      const uploadType = q.get('uploadType') ?? 'media';
      if (method === 'POST' && uploadType === 'resumable') {
        const meta = parseJson(body);
        const name = str(meta.name) ?? q.get('name') ?? '';
        if (name === '') return sendError(res, 400, 'required', 'object name is required');
        const existing = objects.get(`${bucket}/${name}`);
        if (!preconditionHolds(q.get('ifGenerationMatch'), existing))
          return sendError(res, 412, 'conditionNotMet', 'Precondition Failed');
        const id = randomUUID();
        sessions.set(id, {
          bucket,
          name,
          contentType:
            str(meta.contentType) ?? header(req, 'x-upload-content-type') ?? 'application/octet-stream',
          metadata: stringRecord(meta.metadata),
          ifGenerationMatch: q.get('ifGenerationMatch'),
          chunks: [],
          received: 0,
        });
        res.writeHead(200, {
          Location: `${endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}`,
        });
        return void res.end();
      }
      if (method === 'PUT' && uploadType === 'resumable') {
        const session = sessions.get(q.get('upload_id') ?? '');
        if (session === undefined) return sendError(res, 404, 'notFound', 'No such upload session');
        return resumableChunk(req, res, session, body);
      }
      if (method === 'POST' && uploadType === 'multipart') {
        const parts = parseMultipart(body, String(req.headers['content-type'] ?? ''));
        const meta = parseJson(parts[0]?.body ?? Buffer.alloc(0));
        const name = str(meta.name) ?? q.get('name') ?? '';
        if (name === '' || parts[1] === undefined)
          return sendError(res, 400, 'invalid', 'malformed multipart upload');
        const contentType = str(meta.contentType) ?? parts[1].contentType ?? 'application/octet-stream';
        const out = store(
          {
            bucket,
            name,
            contentType,
            metadata: stringRecord(meta.metadata),
            ifGenerationMatch: q.get('ifGenerationMatch'),
          },
          parts[1].body,
          header(req, 'x-goog-hash'),
        );
        return out.status === 200 ? sendJson(res, 200, out.resource) : sendStoreError(res, out.status);
      }
      if (method === 'POST' && uploadType === 'media') {
        const name = q.get('name') ?? '';
        const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
        const out = store(
          { bucket, name, contentType, metadata: {}, ifGenerationMatch: q.get('ifGenerationMatch') },
          body,
          header(req, 'x-goog-hash'),
        );
        return out.status === 200 ? sendJson(res, 200, out.resource) : sendStoreError(res, out.status);
      }
      return sendError(res, 400, 'invalid', `unsupported upload ${method} ${uploadType}`);
    }

    if ((m = url.pathname.match(/^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/))) {
      const bucket = decodeURIComponent(m[1] ?? '');
      const name = decodeURIComponent(m[2] ?? '');
      const object = objects.get(`${bucket}/${name}`);
      if (object === undefined) return sendError(res, 404, 'notFound', `No such object: ${bucket}/${name}`);
      if (method === 'DELETE') {
        if (!preconditionHolds(q.get('ifGenerationMatch'), object))
          return sendError(res, 412, 'conditionNotMet', 'Precondition Failed');
        objects.delete(`${bucket}/${name}`);
        res.writeHead(204);
        return void res.end();
      }
      if (method !== 'GET') return sendError(res, 405, 'invalid', `unsupported ${method}`);
      if (q.get('alt') !== 'media') return sendJson(res, 200, resourceOf(object));
      return sendMedia(req, res, object);
    }

    if ((m = url.pathname.match(/^\/storage\/v1\/b\/([^/]+)\/o$/)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1] ?? '');
      const prefix = q.get('prefix') ?? '';
      const pageSize = Math.min(Number(q.get('maxResults') ?? 1000) || 1000, 1000);
      const after =
        q.get('pageToken') === null
          ? ''
          : Buffer.from(q.get('pageToken') ?? '', 'base64url').toString('utf8');
      const names = [...objects.values()]
        .filter((o) => o.bucket === bucket && o.name.startsWith(prefix) && o.name > after)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const page = names.slice(0, pageSize);
      const last = page[page.length - 1];
      return sendJson(res, 200, {
        kind: 'storage#objects',
        items: page.map(resourceOf),
        ...(names.length > pageSize && last
          ? { nextPageToken: Buffer.from(last.name).toString('base64url') }
          : {}),
      });
    }

    if ((m = url.pathname.match(/^\/storage\/v1\/b\/([^/]+)$/)) && method === 'GET') {
      const name = decodeURIComponent(m[1] ?? '');
      return sendJson(res, 200, {
        kind: 'storage#bucket',
        id: name,
        name,
        location: 'US',
        storageClass: 'STANDARD',
      });
    }
    return sendError(res, 404, 'notFound', `gcs-double does not serve ${method} ${url.pathname}`);
  };

  const resumableChunk = (
    req: IncomingMessage,
    res: ServerResponse,
    session: UploadSession,
    body: Buffer,
  ): void => {
    const range = header(req, 'content-range') ?? `bytes 0-${body.length - 1}/${body.length}`;
    const m = range.match(/^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/);
    if (!m) return sendError(res, 400, 'invalid', `bad Content-Range ${range}`);
    if (m[1] !== '*') {
      if (Number(m[2]) !== session.received)
        return sendError(res, 400, 'invalid', `chunk starts at ${m[2]}, expected ${session.received}`);
      session.chunks.push(body);
      session.received += body.length;
    }
    const total = m[4] === '*' ? (m[1] !== '*' && m[3] === '*' ? session.received : undefined) : Number(m[4]);
    if (total === undefined || session.received < total) {
      res.writeHead(308, session.received > 0 ? { Range: `bytes=0-${session.received - 1}` } : {});
      return void res.end();
    }
    sessions.delete(q(req).get('upload_id') ?? '');
    const out = store(session, Buffer.concat(session.chunks), header(req, 'x-goog-hash'));
    return out.status === 200 ? sendJson(res, 200, out.resource) : sendStoreError(res, out.status);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, 'backendError', String(error)));
  });
  // Node closes an idle keep-alive socket after 5 s, racing a client that reuses it (ECONNRESET on
  // an upload the client does not retry); Google's front ends keep idle connections for minutes.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    objects,
    requests,
    onFinalize: (listener) => void listeners.push(listener),
    resourceOf,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function sendMedia(req: IncomingMessage, res: ServerResponse, object: StoredObject): void {
  const headers: Record<string, string> = {
    'Content-Type': object.contentType,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-generation': object.generation,
    'x-goog-stored-content-length': String(object.bytes.length),
    'x-goog-stored-content-encoding': 'identity',
  };
  const range = header(req, 'range')?.match(/^bytes=(\d*)-(\d*)$/);
  if (range) {
    const size = object.bytes.length;
    const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
    const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      return void res.end();
    }
    res.writeHead(206, {
      ...headers,
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': String(end - start + 1),
    });
    return void res.end(Buffer.from(object.bytes.subarray(start, end + 1)));
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(object.bytes.length) });
  res.end(Buffer.from(object.bytes));
}

function preconditionHolds(ifGenerationMatch: string | null, existing: StoredObject | undefined): boolean {
  if (ifGenerationMatch === null) return true;
  if (ifGenerationMatch === '0') return existing === undefined;
  return existing?.generation === ifGenerationMatch;
}

function parseHashHeader(value: string | undefined): { md5?: string; crc32c?: string } {
  const out: { md5?: string; crc32c?: string } = {};
  for (const part of (value ?? '').split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 'md5') out.md5 = v;
    if (k === 'crc32c') out.crc32c = v;
  }
  return out;
}

function parseMultipart(body: Buffer, contentType: string): { contentType?: string; body: Buffer }[] {
  const boundary = contentType.match(/boundary="?([^";]+)"?/)?.[1];
  if (boundary === undefined) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType?: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const partType = headers.match(/content-type:\s*([^\r\n]+)/i)?.[1]?.trim();
    parts.push({
      ...(partType === undefined ? {} : { contentType: partType }),
      body: part.subarray(split + 4),
    });
    at = next;
  }
  return parts;
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const value: unknown = JSON.parse(body.toString('utf8'));
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function q(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, reason: string, message: string): void {
  sendJson(res, status, {
    error: { code: status, message, errors: [{ domain: 'global', reason, message }] },
  });
}

function sendStoreError(res: ServerResponse, status: 400 | 412): void {
  if (status === 412) sendError(res, 412, 'conditionNotMet', 'Precondition Failed');
  else sendError(res, 400, 'invalid', 'Provided checksum does not match the uploaded content');
}
