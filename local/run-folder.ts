import { createHash } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeChannels } from '../shared/imaging/image-channels.js';
import { folderSink } from '../shared/outputs/output-sink.js';
import { collectImageResults } from '../shared/outputs/collect-image-results.js';
import type { ImageResult } from '../shared/outputs/image-result.js';
import { writeOutputs, type WrittenOutputs } from '../shared/outputs/write-outputs.js';
import { collectSeriesResults } from '../shared/outputs/collect-series-results.js';
import type { SeriesResult } from '../shared/outputs/series-result.js';
import {
  stackQualities,
  writeSeriesOutputs,
  type WrittenSeries,
} from '../shared/outputs/write-series-outputs.js';
import { loadDatasetSettings } from '../shared/pipeline/dataset-settings.js';
import { isImageFileName, middleImageFile, MIDDLE_REFERENCE } from '../shared/pipeline/middle-reference.js';
import type { PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import { getDatasetByName } from '../shared/records/datasets-repository.js';
import type { DatasetFolderStore } from './dataset-folder-store.js';
import { decodedImages } from '../shared/pipeline/decoded-image-cache.js';
import { ingestFile, type FileOutcome } from './ingest-file.js';
import { localPipelineDeps } from './local-pipeline-deps.js';
import { settleStalledJobs } from './settle-stalled-jobs.js';
import { serializeError } from './serialize-error.js';
import { sharedDecodedImage } from './shared-decoded-image.js';
import type { DeadLetter } from './worker-pool-bus.js';
import { LocalRunner, type LocalRunnerOptions } from './local-runner.js';
import { naturalCompare } from '../shared/series/natural-compare.js';
import { describeReading } from '../shared/series/read-stack-as.js';
import { readingOf } from '../shared/pipeline/plan-series.js';
import { storeOf } from '../shared/pipeline/pipeline-deps.js';
import { getImage } from '../shared/records/images-repository.js';

export { IMAGE_EXTENSIONS } from '../shared/pipeline/middle-reference.js';

/** Files ingested at once (hashing here, decoding and writing on libuv's threads). */
const INGEST_CONCURRENCY = 2;
/** Deliveries of a file's ingest when it fails with transient errors, as on the bus. */
const INGEST_ATTEMPTS = 5;

/** `out`, `workers`, `db` and `logLevel` are the `LocalRunner`'s (see `LocalRunnerOptions`). */
export interface RunFolderOptions extends LocalRunnerOptions {
  /** Progress reports (after each ingested file and each settled tile). */
  onProgress?: (progress: RunProgress) => void;
  /** Stacked average: 'full' canvas, cropped to the common 'overlap', or false. @default 'full' */
  average?: 'full' | 'overlap' | false;
  /** Write registered images. @default true */
  registeredImages?: boolean;
  /** Only these files of the folder (names relative to it). @default every image file at its top level */
  files?: readonly string[];
  /**
   * Workers and database connection kept from an earlier run on the same folder and output
   * (`LocalRunner.open`, as `metdb watch` does); `out`, `db`, `workers` and `logLevel` are then
   * the runner's. @default a runner of this run's own, closed at its end
   */
  runner?: LocalRunner;
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

export type { FileOutcome } from './ingest-file.js';

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
  /** The time series of the run (files read as frames), and where their outputs went. */
  readonly series: readonly SeriesResult[];
  readonly seriesOutputs: readonly WrittenSeries[];
  readonly elapsedMs: number;
}

/**
 * Runs the pipeline on a folder, on this machine: every image file of the folder is an upload to
 * the dataset named after the folder (the shared `ingestUpload` use case: ID, canonical copy in
 * `<out>/blobs`, image row, planning once the reference is in); the tiles fan out on the bus to
 * `measureTile` and `recordMeasuredTiles` (the two halves of the shared
 * `registerTileFromMessage`), the last tile of a job to `aggregateJob`; then the
 * outputs are written (see `writeOutputs`). The tiles, nearly all of the work, are measured on a
 * pool of worker threads (see pipeline-worker-handler.ts), in units of several; this thread
 * ingests (while the workers start: hash, decode, canonical copy, planning; each image decoded
 * once and handed to the workers in shared memory), records each unit of measured tiles (one
 * fan-in transaction), aggregates each completed job and orchestrates. The reference is
 * ingested first, then the other files, two at a time (see `referenceCandidates`). The database
 * is a SQLite file by default (WAL), written by this thread only, with the same schema as Cloud
 * SQL. Re-running on the same folder and output finds the images already recorded and registers
 * nothing twice. The workers and the connection are a `LocalRunner`'s: this run's own, or one
 * kept from run to run (`options.runner`).
 */
export async function runFolder(folder: string, options: RunFolderOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const runner = options.runner ?? (await LocalRunner.open(folder, options));
  try {
    return await runOnce(runner, options, started);
  } finally {
    if (options.runner === undefined) await runner.close();
  }
}

async function runOnce(runner: LocalRunner, options: RunFolderOptions, started: number): Promise<RunSummary> {
  const { root, dataset, out, config, bus, handle, logger, workers } = runner;
  const { files, ignored } = await listInputs(root, out, options.files);
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
  const deadBefore = bus.deadLetters.length;
  const local = await localPipelineDeps(config, bus, logger, handle);
  const uploads = local.uploads;
  // Ingest runs on this thread, while the workers start: each image is decoded once, here, and
  // handed to every worker in shared memory before its tiles are published.
  // A lone multi-page file without axis metadata is a time series (readStackAs): count the folder's images.
  const expected = (await listInputs(root, out, undefined)).files.length;
  const deps: PipelineDeps = {
    ...local.deps,
    expectedImages: (name) => (name === dataset ? expected : undefined),
    onImageDecoded: (key, image) => {
      const shared = sharedDecodedImage(key, image);
      decodedImages.put(local.deps.blobs.bucket, key, 0, shared.image); // for the aggregation
      bus.broadcast(shared);
    },
  };
  return runner.session(
    {
      deps,
      onPublished: (topic) => {
        if (topic === 'tiles') tilesTotal++;
      },
      onSettled: (e) => {
        if (e.topic === 'tiles' && e.outcome !== 'retry') {
          tilesDone++;
          report('register');
        }
      },
    },
    async () => {
      const ingest = async (file: string): Promise<FileOutcome> => {
        const outcome = await ingestWithRetries(deps, uploads, file);
        filesDone++;
        report('register');
        return outcome;
      };
      const settings = await loadDatasetSettings(uploads, dataset).catch(() => ({ reference: undefined }));
      const byFile = new Map<string, FileOutcome>();
      for (const file of referenceCandidates(files, settings.reference)) {
        const outcome = await ingest(file);
        byFile.set(file, outcome);
        if (outcome.outcome === 'ingested' || outcome.outcome === 'duplicate') break;
      }
      // Possible copies wait for the first wave, so the first of identical files (in name order) is the image.
      const { firsts, possibleCopies } = await splitPossibleCopies(
        root,
        files.filter((f) => !byFile.has(f)),
      );
      for (const wave of [firsts, possibleCopies]) {
        for (const outcome of await mapConcurrently(wave, INGEST_CONCURRENCY, ingest)) {
          byFile.set(outcome.file, outcome);
        }
      }
      const outcomes = await Promise.all(files.map((f) => withReading(deps, dataset, byFile.get(f)!)));
      await bus.idle();
      // The local sweep: dead letters recorded, unfinished jobs re-driven until each is final.
      await settleStalledJobs(deps, bus, deadBefore);
      report('outputs');
      const datasetRow = await getDatasetByName(handle.db, dataset);
      const prefix = `${dataset}/`;
      const results = (
        datasetRow === undefined ? [] : await collectImageResults(handle.db, datasetRow.id)
      ).map((r) => ({ ...r, file: r.file.startsWith(prefix) ? r.file.slice(prefix.length) : r.file }));
      const series = (
        datasetRow === undefined ? [] : await collectSeriesResults(handle.db, datasetRow.id)
      ).map((r) => ({ ...r, file: r.file.startsWith(prefix) ? r.file.slice(prefix.length) : r.file }));
      const seriesOutputs = await writeSeriesOutputs(folderSink(out), series, {
        readImage: async (r) => decodeChannels(await readFile(join(root, r.file))),
      });
      const outputs = await writeOutputs(folderSink(out), results, {
        dataset,
        series,
        stacks: stackQualities(seriesOutputs),
        readImage: async (r) => decodeChannels(await readFile(join(root, r.file))),
        average: options.average ?? 'full',
        registeredImages: options.registeredImages ?? true,
        facts: {
          folder: root,
          workers: String(workers),
          tiles: String(tilesTotal),
          database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind,
          ...duplicatesFact(outcomes, results),
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
        deadLetters: bus.deadLetters.slice(deadBefore),
        outputs,
        series: series.map((r) => ({
          ...r,
          file: r.file.startsWith(prefix) ? r.file.slice(prefix.length) : r.file,
        })),
        seriesOutputs,
        elapsedMs: Date.now() - started,
      };
    },
  );
}

/**
 * `ingestFile` with the bus's delivery rule: a transient error (the database busy...) is retried,
 * up to `INGEST_ATTEMPTS` times; then the file is reported failed with the error.
 */
async function ingestWithRetries(
  deps: PipelineDeps,
  uploads: DatasetFolderStore,
  file: string,
): Promise<FileOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ingestFile(deps, uploads, file);
    } catch (error) {
      const e = serializeError(error);
      if (e.kind === 'transient' && attempt < INGEST_ATTEMPTS) continue;
      return { file, outcome: 'failed', reason: `ingest failed: ${e.message}` };
    }
  }
}

/** The outcome with how its image was read (as its planning read it), when it is in. */
async function withReading(deps: PipelineDeps, dataset: string, outcome: FileOutcome): Promise<FileOutcome> {
  if (outcome.imageId === undefined || outcome.outcome === 'failed') return outcome;
  const [row, image] = await Promise.all([
    getDatasetByName(deps.db, dataset),
    getImage(deps.db, outcome.imageId),
  ]);
  if (row === undefined || image?.status !== 'ingested') return outcome;
  const settings = await loadDatasetSettings(storeOf(deps, image.source_bucket), dataset).catch(() => ({}));
  const reading = await readingOf(deps, row, image, settings);
  return { ...outcome, readAs: describeReading(reading, image.pixel_type) };
}

/** Bytes of a file's head compared to find possible copies (a copy has the same size and head). */
const HEAD_BYTES = 64 * 1024;

/**
 * The files split into those whose size and first bytes no earlier file shares, and the possible
 * copies of an earlier one. A file that only looks like a copy is merely ingested later; an
 * actual copy is then always the duplicate of the first, whatever the ingest timing.
 */
export async function splitPossibleCopies(
  root: string,
  files: readonly string[],
): Promise<{ firsts: string[]; possibleCopies: string[] }> {
  const firsts: string[] = [];
  const possibleCopies: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const key = await sizeAndHead(join(root, file)).catch(() => undefined);
    if (key !== undefined && seen.has(key)) possibleCopies.push(file);
    else firsts.push(file);
    if (key !== undefined) seen.add(key);
  }
  return { firsts, possibleCopies };
}

async function sizeAndHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    return `${size}:${createHash('sha256').update(head).digest('hex')}`;
  } finally {
    await handle.close();
  }
}

/** `f` over `items`, at most `limit` at a time, results in the order of `items`. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await f(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * The files a run ingests one at a time, before the others, until one is in: the reference named
 * by the settings (`middle`: the middle file, `middleImageFile`), else every file in name order (the reference is then the first usable one).
 * This keeps the reference what it is when files arrive one by one, in name order, and no two
 * ingests plan the same job: the reference plans the images already in (none), each later image
 * plans itself. The other files are then ingested all at once.
 */
export function referenceCandidates(files: readonly string[], reference: string | undefined): string[] {
  const named = reference === MIDDLE_REFERENCE ? middleImageFile(files) : reference;
  return named !== undefined && files.includes(named) ? [named] : [...files];
}

/** The folder's top-level image files in natural name order (`A1_2` before `A1_10`), and the files left alone. */
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
    if (isImageFileName(entry.name)) files.push(entry.name);
    else ignored.push(entry.name);
  }
  return { files: files.sort(naturalCompare), ignored: ignored.sort(naturalCompare) };
}

/** The files skipped as duplicates (same bytes as an image already in), as the console lists them. */
function duplicatesFact(
  outcomes: readonly FileOutcome[],
  results: readonly ImageResult[],
): Record<string, string> {
  const recorded = new Set(results.map((r) => r.file));
  const duplicates = outcomes
    .filter((f) => f.outcome === 'duplicate' && !recorded.has(f.file))
    .map((f) => f.file);
  return duplicates.length === 0
    ? {}
    : { 'duplicates (same bytes as an image already in)': duplicates.join(', ') };
}
