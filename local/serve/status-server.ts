import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { collectImageResults } from '../../shared/outputs/collect-image-results.js';
import type { ImageResult } from '../../shared/outputs/image-result.js';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import type { Database, DatasetRow } from '../../shared/records/database-schema.js';
import { getDataset } from '../../shared/records/datasets-repository.js';
import { getImage } from '../../shared/records/images-repository.js';
import { renderReport } from '../../shared/report/render-report.js';
import { reportThumbnails } from '../../shared/report/report-thumbnails.js';
import { datasetPage, datasetsPage, errorPage } from './status-page.js';
import { datasetStatus, imageStatuses, jobStatuses, selectDatasets } from './status-records.js';

export interface StatusServerOptions {
  /** The records, opened read-only. */
  readonly db: Kysely<Database>;
  /** The canonical images (a run's `OUT/blobs`), for thumbnails; none without. @default undefined */
  readonly blobs?: BlobStore;
  /** What the pages say they show ("SQLite .metdb/demo/metdb.sqlite"). */
  readonly source: string;
  /** TCP port; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** Interface to listen on: only this machine by default. @default '127.0.0.1' */
  readonly host?: string;
}

export interface StatusServer {
  /** `http://127.0.0.1:8080` */
  readonly url: string;
  close(): Promise<void>;
}

/** Thumbnails kept in memory (each a few KB), keyed by image, job and view. */
const THUMBNAIL_CACHE = 256;

/**
 * `metdb serve`: a read-only web application over the records: HTML pages (datasets; a dataset's
 * images and jobs; its QC report rendered from the records) and a JSON API (`/api/datasets`,
 * `/api/images`, `/api/jobs`, each with an optional `?dataset=<id or name>`), thumbnails under
 * `/thumbnails/<imageId>.png?view=before|after|overlay`. Only GET and HEAD are answered: there
 * is no endpoint that writes, and the database handle is read-only besides.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { db, blobs, source, port = 8080, host = '127.0.0.1' } = options;
  const thumbnails = new Map<string, Buffer>();

  const routes = async (url: URL, res: ServerResponse): Promise<void> => {
    const path = url.pathname;
    const dataset = url.searchParams.get('dataset') ?? undefined;
    if (path === '/api/datasets') {
      const rows = await selectDatasets(db, dataset);
      return json(res, { datasets: await Promise.all(rows.map((d) => datasetStatus(db, d))) });
    }
    if (path === '/api/images') {
      const rows = await selectDatasets(db, dataset);
      return json(res, { images: (await Promise.all(rows.map((d) => imageStatuses(db, d)))).flat() });
    }
    if (path === '/api/jobs') {
      const rows = await selectDatasets(db, dataset);
      return json(res, { jobs: (await Promise.all(rows.map((d) => jobStatuses(db, d)))).flat() });
    }
    if (path === '/') {
      const rows = await selectDatasets(db, undefined);
      return html(res, 200, datasetsPage(await Promise.all(rows.map((d) => datasetStatus(db, d))), source));
    }
    const page = /^\/datasets\/([^/]+)(\/report\.html)?$/.exec(path);
    if (page !== null) {
      const row = await getDataset(db, decodeURIComponent(page[1]!));
      if (row === undefined)
        return html(res, 404, errorPage(404, `no dataset ${decodeURIComponent(page[1]!)}`));
      if (page[2] !== undefined) return html(res, 200, await report(row));
      const [status, images, jobs] = [
        await datasetStatus(db, row),
        await imageStatuses(db, row),
        await jobStatuses(db, row),
      ];
      return html(res, 200, datasetPage(status, images, jobs, { thumbnails: blobs !== undefined }));
    }
    const thumb = /^\/thumbnails\/([^/]+)\.png$/.exec(path);
    if (thumb !== null) {
      const view = url.searchParams.get('view') ?? 'before';
      if (view !== 'before' && view !== 'after' && view !== 'overlay') {
        return html(res, 400, errorPage(400, `view must be before, after or overlay, got "${view}"`));
      }
      const png = await thumbnail(decodeURIComponent(thumb[1]!), view);
      if (png === undefined) return html(res, 404, errorPage(404, 'no such thumbnail'));
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, ...COMMON_HEADERS });
      res.end(png);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, COMMON_HEADERS); // browsers ask for it; none is no error
      res.end();
      return;
    }
    return html(res, 404, errorPage(404, `no page ${path}`));
  };

  /** Reads an image's canonical copy from `blobs`, every channel. */
  const readImage = async (r: ImageResult) => {
    const row = await getImage(db, r.imageId);
    const bytes = row === undefined || blobs === undefined ? undefined : await blobs.get(row.storage_path);
    return bytes === undefined ? undefined : decodeChannels(bytes);
  };

  const report = async (row: DatasetRow): Promise<string> => {
    const prefix = `${row.name}/`;
    const results = (await collectImageResults(db, row.id)).map((r) => ({
      ...r,
      file: r.file.startsWith(prefix) ? r.file.slice(prefix.length) : r.file,
    }));
    return renderReport({
      dataset: row.name,
      results,
      finishedAt: new Date(),
      facts: { database: source },
      thumbnails: blobs === undefined ? [] : await reportThumbnails(results, readImage),
    });
  };

  const thumbnail = async (
    imageId: string,
    view: 'before' | 'after' | 'overlay',
  ): Promise<Buffer | undefined> => {
    if (blobs === undefined) return undefined;
    const image = await getImage(db, imageId);
    if (image === undefined) return undefined;
    const results = await collectImageResults(db, image.dataset_id);
    const result = results.find((r) => r.imageId === imageId);
    const reference = results.find((r) => r.role === 'reference');
    if (result === undefined || reference === undefined) return undefined;
    const key = `${imageId}/${result.jobId ?? ''}/${view}`;
    const cached = thumbnails.get(key);
    if (cached !== undefined) return cached;
    const pair = result === reference ? [reference] : [reference, result];
    const made = (await reportThumbnails(pair, readImage, { maxImages: 2 })).find(
      (t) => t.imageId === imageId,
    );
    const uri =
      made === undefined
        ? null
        : view === 'before'
          ? made.before
          : view === 'after'
            ? made.after
            : made.overlayAfter;
    if (uri === null) return undefined;
    const png = Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
    if (thumbnails.size >= THUMBNAIL_CACHE) thumbnails.delete(thumbnails.keys().next().value!);
    thumbnails.set(key, png);
    return png;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, {
        allow: 'GET, HEAD',
        'content-type': 'text/plain; charset=utf-8',
        ...COMMON_HEADERS,
      });
      res.end('read-only: only GET and HEAD\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    routes(url, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) return void res.destroy();
      if (url.pathname.startsWith('/api/')) json(res, { error: message }, 503);
      else html(res, 503, errorPage(503, `the records cannot be read: ${message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function json(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...COMMON_HEADERS,
  });
  res.end(text);
}

function html(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...COMMON_HEADERS,
  });
  res.end(text);
}
