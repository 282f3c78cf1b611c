import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { createLogger, logLevelFromEnv, type Logger, type LogLevel } from '../shared/logging/logger.js';
import { parseAggregateMessage } from '../shared/messages/aggregate-message.js';
import { aggregateJob } from '../shared/pipeline/aggregate-job.js';
import { pipelineLimitsFromEnv, type PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import { recordMeasuredTiles } from '../shared/pipeline/register-tile-from-message.js';
import type { TopicName } from '../shared/ports/bus.js';
import { parseDatabaseTarget } from '../shared/adapters/database-config.js';
import { migrateToLatest } from '../shared/records/migrate.js';
import { connectDatabase, type DatabaseHandle } from '../shared/adapters/open-database.js';
import type { NewTileResult } from '../shared/records/record-tile-result.js';
import type { LocalRunConfig } from './local-run-config.js';
import { siblingModule } from './spawn-worker.js';
import { WorkerPoolBus, type SettledDelivery } from './worker-pool-bus.js';
import type { BatchResult } from './worker-protocol.js';

/**
 * Tiles a worker takes at once, recorded here in one transaction: enough to make the per-message
 * costs (round trip, transaction, bookkeeping) small next to the registration, few enough that the
 * workers still finish together.
 */
const TILE_BATCH = 16;

export interface LocalRunnerOptions {
  /**
   * Output folder. The default lies outside the input folder, so that `metdb watch` never sees
   * its own outputs. @default `<cwd>/.metdb/<dataset>`
   */
  out?: string;
  /** Folder the default output goes under (`<cwd>/.metdb/<dataset>`). @default process.cwd() */
  cwd?: string;
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Database: a SQLite path or `sqlite:` / `mysql://` URL (same schema). @default `<out>/metdb.sqlite` */
  db?: string;
  /** Level of the pipeline's JSON log lines on stderr. @default METDB_LOG_LEVEL, else 'warn' ('silent' under vitest) */
  logLevel?: LogLevel;
}

/** What the run in progress gets from the runner's bus: its dependencies and the bus's events. */
export interface RunHooks {
  readonly deps: PipelineDeps;
  onPublished(topic: TopicName): void;
  onSettled(event: SettledDelivery): void;
}

/**
 * The worker threads, database connection and settings of local runs on one folder and output,
 * kept from one run to the next: `metdb watch` runs `runFolder` for every batch of new files, and
 * a pool per batch paid the workers' start and V8's warm-up of the registration code each time.
 * One run at a time (`session`); `close` stops the workers and closes the connection.
 *
 * The bus: the workers measure the tiles (see pipeline-worker-handler.ts); this thread records
 * each unit of `TILE_BATCH` tiles (one fan-in transaction) and aggregates each job it completes.
 */
export class LocalRunner {
  private hooks: RunHooks | undefined;
  /** The folder; its name is the dataset's. */
  readonly root: string;
  readonly dataset: string;
  readonly out: string;
  readonly workers: number;
  readonly config: LocalRunConfig;
  readonly logger: Logger;
  readonly bus: WorkerPoolBus;
  readonly handle: DatabaseHandle;

  private constructor(parts: RunnerParts) {
    ({
      root: this.root,
      dataset: this.dataset,
      out: this.out,
      workers: this.workers,
      config: this.config,
      logger: this.logger,
      bus: this.bus,
      handle: this.handle,
    } = parts);
  }

  /** Starts the first worker, connects to the database and brings its schema up to date. */
  static async open(folder: string, options: LocalRunnerOptions = {}): Promise<LocalRunner> {
    const root = resolve(folder);
    const dataset = basename(root);
    const out = resolve(options.out ?? defaultOutputFolder(dataset, options.cwd));
    const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    const logLevel = options.logLevel ?? defaultLogLevel();
    const config: LocalRunConfig = {
      database: parseDatabaseTarget(options.db ?? join(out, 'metdb.sqlite')),
      blobsRoot: join(out, 'blobs'),
      uploadsRoot: root,
      dataset,
      limits: pipelineLimitsFromEnv(process.env),
      logLevel,
    };
    const logger = createLogger({ level: logLevel, write: (line) => void process.stderr.write(line) });
    let runner: LocalRunner | undefined;
    const current = (): RunHooks => {
      const hooks = runner?.hooks;
      if (hooks === undefined) throw new MetdbError('unavailable', 'no local run in progress');
      return hooks;
    };
    const bus = new WorkerPoolBus({
      workers,
      workerKinds: ['tiles'],
      // One worker starts at once, the others with the first tiles: until then this thread
      // ingests the reference and the first moving image, and more starting workers only slow it.
      lazyWorkers: true,
      complete: {
        tiles: async (outcomes) =>
          (await recordMeasuredTiles(current().deps, outcomes as NewTileResult[])).map((s): BatchResult =>
            s.ok ? { ok: true, outcome: { ...s.result } } : s,
          ),
      },
      // Aggregation (a small part of the work) runs here, beside the tiles of the other jobs
      // instead of in their way.
      mainThread: {
        aggregate: async (message) => aggregateJob(current().deps, parseAggregateMessage(message)),
      },
      // The tiles of one position go to one worker: it prepares that reference tile once for all jobs.
      affinity: (kind, attributes) =>
        kind === 'tiles' && attributes.tileIndex !== undefined ? Number(attributes.tileIndex) : undefined,
      batchSizes: { tiles: TILE_BATCH },
      // Units ahead, so that a worker still has work while this thread aggregates a job or
      // ingests a file (tens of ms without a turn of its event loop).
      prefetch: 8,
      handlerModule: siblingModule(import.meta.url, 'pipeline-worker-handler'),
      handlerOptions: config,
      onPublished: (topic) => runner?.hooks?.onPublished(topic),
      onSettled: (event) => runner?.hooks?.onSettled(event),
      logger,
    });
    try {
      const handle = await connectDatabase(config.database);
      try {
        await migrateToLatest(handle.db);
      } catch (error) {
        await handle.close();
        throw error;
      }
      runner = new LocalRunner({ root, dataset, out, workers, config, logger, bus, handle });
      return runner;
    } catch (error) {
      await bus.close();
      throw error;
    }
  }

  /** Runs `run` with the bus's events going to `hooks`; one run at a time. */
  async session<T>(hooks: RunHooks, run: () => Promise<T>): Promise<T> {
    if (this.hooks !== undefined) throw new MetdbError('conflict', 'a local run is already in progress');
    this.hooks = hooks;
    try {
      return await run();
    } finally {
      // A run that failed may leave work on the bus: it settles with this run's hooks.
      await this.bus.idle().catch(() => undefined);
      this.hooks = undefined;
    }
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.handle.close();
  }
}

/** What `LocalRunner.open` makes a runner of. */
type RunnerParts = Pick<
  LocalRunner,
  'root' | 'dataset' | 'out' | 'workers' | 'config' | 'logger' | 'bus' | 'handle'
>;

/** METDB_LOG_LEVEL if set, quiet under vitest, else warnings and errors only (the progress is the news). */
function defaultLogLevel(): LogLevel {
  const level = logLevelFromEnv();
  return process.env.METDB_LOG_LEVEL !== undefined || level === 'silent' ? level : 'warn';
}

/** `<cwd>/.metdb/<dataset>`: where a run's outputs go when no `--out` is given. */
export function defaultOutputFolder(dataset: string, cwd: string = process.cwd()): string {
  return resolve(cwd, '.metdb', dataset);
}
