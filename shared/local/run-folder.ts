import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { readImageFile } from '../imaging/read-image-file.js';
import { createLogger, logLevelFromEnv, type LogLevel } from '../logging/logger.js';
import { parseAggregateMessage } from '../messages/aggregate-message.js';
import { collectImageResults } from '../outputs/collect-image-results.js';
import type { ImageResult } from '../outputs/image-result.js';
import { writeOutputs, type WrittenOutputs } from '../outputs/write-outputs.js';
import { aggregateJob } from '../pipeline/aggregate-job.js';
import { SETTINGS_FILE } from '../pipeline/dataset-settings.js';
import { ingestUpload, type IngestResult } from '../pipeline/ingest-upload.js';
import { DEFAULT_PIPELINE_LIMITS, type PipelineDeps } from '../pipeline/pipeline-deps.js';
import { getDatasetByName } from '../records/datasets-repository.js';
import { parseDatabaseTarget } from '../records/database-config.js';
import { migrateToLatest } from '../records/migrate.js';
import { imageSourceKey } from '../records/images-repository.js';
import type { LocalRunConfig } from './local-run-config.js';
import { localPipelineDeps } from './local-pipeline-deps.js';
import { siblingModule } from './spawn-worker.js';
import { WorkerPoolBus, type DeadLetter } from './worker-pool-bus.js';

/** File extensions a local run treats as images; other files (notes, truth.json...) are ignored. */
export const IMAGE_EXTENSIONS = [
  '.tif',
  '.tiff',
  '.png',
  '.jpg',
  '.jpeg',
  '.mrc',
  '.map',
  '.st',
  '.ali',
  '.rec',
];

export interface RunFolderOptions {
  /** Output folder. @default `<folder>/metdb-out` */
  out?: string;
  /** Worker threads registering tiles. @default os.availableParallelism() */
  workers?: number;
  /** Database: a SQLite path or `sqlite:` / `mysql://` URL (same schema). @default `<out>/metdb.sqlite` */
  db?: string;
  /** Progress reports (after each ingested file and each settled tile). */
  onProgress?: (progress: RunProgress) => void;
  /** Stacked average: 'full' canvas, cropped to the common 'overlap', or false. @default 'full' */
  average?: 'full' | 'overlap' | false;
  /** Write registered images. @default true */
  registeredImages?: boolean;
  /** Level of the pipeline's JSON log lines on stderr. @default METDB_LOG_LEVEL, else 'warn' ('silent' under vitest) */
  logLevel?: LogLevel;
  /** Only these files of the folder (names relative to it). @default every image file at its top level */
  files?: readonly string[];
}

export interface RunProgress {
  readonly phase: 'register' | 'outputs' | 'done';
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly tilesDone: number;
  /** Tiles published so far (grows while files are ingested). */
  readonly tilesTotal: number;
  readonly elapsedMs: number;
}

export interface FileOutcome {
  readonly file: string;
  readonly outcome: IngestResult['outcome'];
  readonly imageId?: string;
  readonly reason?: string;
}

export interface RunSummary {
  readonly dataset: string;
  readonly datasetId: string | null;
  readonly folder: string;
  readonly out: string;
  readonly workers: number;
  readonly files: readonly FileOutcome[];
  /** Files left alone (not images by their extension, dotfiles, `metdb.json`). */
  readonly ignored: readonly string[];
  readonly results: readonly ImageResult[];
  /** Images with a registration (the reference included). */
  readonly registered: number;
  /** Images or jobs that failed. */
  readonly failed: number;
  readonly tiles: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly outputs: WrittenOutputs;
  readonly elapsedMs: number;
}

/**
 * Runs the pipeline on a folder, on this machine: every image file of the folder is an upload to
 * the dataset named after the folder (the shared `ingestUpload` use case: ID, canonical copy in
 * `<out>/blobs`, image row, planning once the reference is in); the tiles fan out to a pool of
 * worker threads running the shared `registerTileFromMessage`; the aggregation (`aggregateJob`)
 * runs on this thread; then the outputs are written (see `writeOutputs`). The database is a
 * SQLite file by default, with the same schema as Cloud SQL. Re-running on the same folder and
 * output finds the images already recorded and registers nothing twice.
 */
export async function runFolder(folder: string, options: RunFolderOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const root = resolve(folder);
  const dataset = basename(root);
  const out = resolve(options.out ?? join(root, 'metdb-out'));
  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const logLevel = options.logLevel ?? defaultLogLevel();
  const config: LocalRunConfig = {
    database: parseDatabaseTarget(options.db ?? join(out, 'metdb.sqlite')),
    blobsRoot: join(out, 'blobs'),
    uploadsRoot: root,
    dataset,
    limits: DEFAULT_PIPELINE_LIMITS,
    logLevel,
  };
  const { files, ignored } = await listInputs(root, out, options.files);
  const logger = createLogger({ level: logLevel, write: (line) => void process.stderr.write(line) });
  let tilesDone = 0;
  let tilesTotal = 0;
  let filesDone = 0;
  const report = (phase: RunProgress['phase']) =>
    options.onProgress?.({
      phase,
      filesDone,
      filesTotal: files.length,
      tilesDone,
      tilesTotal,
      elapsedMs: Date.now() - started,
    });
  // The aggregation handler needs the deps, the deps need the bus: bound once both exist.
  const main: { deps?: PipelineDeps } = {};
  const bus = new WorkerPoolBus({
    workers,
    handlerModule: siblingModule(import.meta.url, 'tile-worker-handler'),
    handlerOptions: config,
    mainThread: { aggregate: (m) => aggregateJob(main.deps!, parseAggregateMessage(m)) },
    onPublished: (topic) => {
      if (topic === 'tiles') tilesTotal++;
    },
    onSettled: (e) => {
      if (e.topic === 'tiles' && e.outcome !== 'retry') {
        tilesDone++;
        report('register');
      }
    },
    logger,
  });
  const { deps, handle, uploads } = await localPipelineDeps(config, bus, logger).catch(
    async (error: unknown) => {
      await bus.close();
      throw error;
    },
  );
  main.deps = deps;
  try {
    await migrateToLatest(handle.db);
    const outcomes: FileOutcome[] = [];
    for (const file of files) {
      const name = uploads.objectName(file);
      const info = await uploads.head(name);
      if (info === undefined) {
        outcomes.push({ file, outcome: 'ignored', reason: 'the file disappeared' });
        continue;
      }
      const result = await ingestUpload(deps, {
        kind: 'finalized',
        bucket: uploads.bucket,
        name,
        generation: info.generation,
        size: info.size,
        idempotencyKey: `local:${imageSourceKey(uploads.bucket, name, info.generation)}`,
      });
      outcomes.push({
        file,
        outcome: result.outcome,
        ...(result.imageId === undefined ? {} : { imageId: result.imageId }),
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      });
      filesDone++;
      report('register');
    }
    await bus.idle();
    report('outputs');
    const datasetRow = await getDatasetByName(handle.db, dataset);
    const prefix = `${dataset}/`;
    const results = (datasetRow === undefined ? [] : await collectImageResults(handle.db, datasetRow.id)).map(
      (r) => ({ ...r, file: r.file.startsWith(prefix) ? r.file.slice(prefix.length) : r.file }),
    );
    const outputs = await writeOutputs(out, results, {
      dataset,
      readImage: async (r) => (await readImageFile(join(root, r.file))).array,
      average: options.average ?? 'full',
      registeredImages: options.registeredImages ?? true,
      facts: {
        folder: root,
        workers: String(workers),
        tiles: String(tilesTotal),
        database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind,
      },
    });
    report('done');
    return {
      dataset,
      datasetId: datasetRow?.id ?? null,
      folder: root,
      out,
      workers,
      files: outcomes,
      ignored,
      results,
      registered: results.filter((r) => r.role === 'registered' || r.role === 'reference').length,
      failed: results.filter((r) => r.role === 'failed').length,
      tiles: tilesTotal,
      deadLetters: [...bus.deadLetters],
      outputs,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await bus.close();
    await handle.close();
  }
}

/** The folder's top-level image files in name order, and the files left alone. */
async function listInputs(
  root: string,
  out: string,
  only: readonly string[] | undefined,
): Promise<{ files: string[]; ignored: string[] }> {
  const entries = await readdir(root, { withFileTypes: true });
  const files: string[] = [];
  const ignored: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || join(root, entry.name) === out) continue;
    if (only !== undefined && !only.includes(entry.name)) continue;
    const isImage = IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase());
    if (entry.name.startsWith('.') || entry.name === SETTINGS_FILE || !isImage) ignored.push(entry.name);
    else files.push(entry.name);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byName), ignored: ignored.sort(byName) };
}

/** METDB_LOG_LEVEL if set, quiet under vitest, else warnings and errors only (the progress is the news). */
function defaultLogLevel(): LogLevel {
  const level = logLevelFromEnv();
  return process.env.METDB_LOG_LEVEL !== undefined || level === 'silent' ? level : 'warn';
}
