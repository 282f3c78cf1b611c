import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectDatabase, type DatabaseHandle } from '../shared/adapters/open-database.js';
import {
  describeDatabase,
  parseDatabaseTarget,
  type DatabaseConfig,
} from '../shared/adapters/database-config.js';
import { listDatasets } from '../shared/records/datasets-repository.js';
import { startStatusServer } from '../local/serve/status-server.js';
import { checkInputFolder } from './input-folder.js';
import { serveImages } from './serve-images.js';
import { UsageError } from './usage-error.js';

export const SERVE_USAGE = `usage: metdb serve <OUT> | --db URL [--bucket B] [--port P] [--host H]

A small read-only web application over the records of a run (OUT/metdb.sqlite) or of a MySQL /
Cloud SQL database: the datasets, each image's status, quality verdict and shift (px and µm), the
jobs and their progress, each dataset's QC report and the images' thumbnails;
and the same as JSON: /api/datasets, /api/images, /api/jobs (?dataset=<id or name>).

  OUT          a run's output folder (metdb run <folder> --out OUT)
  --db URL     the database instead: mysql://user:pass@host:3306/db or a SQLite path (with OUT too,
               OUT's images give the thumbnails)
  --bucket B   with --db: the results bucket holding the images (default $METDB_RESULTS_BUCKET; a
               SQLite file's own blobs/ folder beside it without either)
  --port P     TCP port (default 8080; 0 picks a free one)
  --host H     the interface to listen on (default 127.0.0.1: this machine only)

Nothing is written: the database is opened read-only. Ctrl-C stops the server.`;

/** `metdb serve`: serves until SIGINT or SIGTERM. Returns the exit code. */
export async function serveCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        bucket: { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, SERVE_USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('expected one output folder', SERVE_USAGE);
  const folder = positionals[0];
  if (folder === undefined && values.db === undefined)
    throw new UsageError('give a run output folder or --db URL', SERVE_USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer in [0, 65535], got "${values.port}"`, SERVE_USAGE);
  }
  if (folder !== undefined) await checkInputFolder(folder);
  let config: DatabaseConfig;
  if (values.db !== undefined) {
    config = parseDatabaseTarget(values.db, { poolSize: 2 });
  } else {
    const path = join(folder!, 'metdb.sqlite');
    if (!existsSync(path))
      throw new UsageError(`${folder} has no metdb.sqlite: not the output folder of a run`, null);
    config = { kind: 'sqlite', path };
  }
  if (config.kind === 'sqlite' && !existsSync(config.path))
    throw new UsageError(`no such database: ${config.path}`, null);
  const handle = await openReadOnly(config);
  const images = serveImages({ folder, config, bucket: values.bucket });
  let server;
  try {
    server = await startStatusServer({
      db: handle.db,
      source: describeDatabase(config),
      port,
      host: values.host,
      ...(images === undefined ? {} : { blobs: images.store }),
    });
  } catch (error) {
    await handle.close();
    throw new UsageError(`cannot listen on ${values.host}:${port}: ${(error as Error).message}`, null);
  }
  out(`metdb serve: ${describeDatabase(config)}, read-only, on ${server.url}/ (Ctrl-C stops)`);
  out(
    images === undefined
      ? 'thumbnails: none (no images: give OUT, or --bucket with the results bucket)'
      : `thumbnails: from ${images.where}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await handle.close();
  return 0;
}

/** The database, read-only, checked by reading the datasets: a bad target is one line, exit code 2. */
async function openReadOnly(config: DatabaseConfig): Promise<DatabaseHandle> {
  let handle: DatabaseHandle | undefined;
  try {
    handle = await connectDatabase(config, { readOnly: true });
    await listDatasets(handle.db);
    return handle;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new UsageError(`cannot read the records in ${describeDatabase(config)}: ${message}`, null);
  }
}
