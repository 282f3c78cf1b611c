import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import { createMysqlDatabase } from '../dev-cloud/create-mysql-database.js';
import { parseDatabaseTarget } from '../../shared/adapters/database-config.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import type { Database } from '../../shared/records/database-schema.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { buildDistIfStale } from '../dev-cloud/build-dist.js';
import { startFunction, type FunctionServer } from '../dev-cloud/function-server.js';
import { startPubSubEmulator, type PubSubEmulator } from '../dev-cloud/pubsub-emulator.js';
import { createTopology, type Topology } from '../dev-cloud/pubsub-topology.js';
import { gcsNotification, objectResource } from '../dev-cloud/storage-events.js';
import { devFunctionEnv } from '../dev-cloud/function-env.js';

/**
 * The functions of the stack and the topic that feeds each, as infra/ wires them. A function
 * added to the pipeline is one more line here (its topic's id reaches every function as
 * `METDB_<TOPIC>_TOPIC`): the chaos scenarios publish duplicates and poison to every topic of
 * this list and kill any target.
 */
export const CHAOS_FUNCTIONS = [
  { target: 'ingest', topic: 'uploads' },
  { target: 'registerTile', topic: 'tiles' },
  { target: 'aggregate', topic: 'aggregate' },
  { target: 'reprocess', topic: 'reprocess' },
  { target: 'sweep', topic: 'sweep' },
  { target: 'stitchEdge', topic: 'edges' },
  { target: 'stitchSolve', topic: 'mosaics' },
  { target: 'publishOutputs', topic: 'outputs' },
] as const;

export type ChaosTopic = (typeof CHAOS_FUNCTIONS)[number]['topic'];
export type ChaosTarget = (typeof CHAOS_FUNCTIONS)[number]['target'];

/** The counts each `sweep` delivery logs (functions/sweep.ts), summed. */
export interface SweepTotals {
  /** Uploads ingested again (left `received`, dead-lettered, or with no row at all). */
  uploads: number;
  /** Settled datasets whose outputs were announced again. */
  outputs: number;
  /** Jobs re-driven, and jobs failed out of re-drives. */
  redriven: number;
  failed: number;
  /** Mosaics re-driven, and mosaics failed (out of re-drives, or waiting for tiles that never came). */
  mosaicsRedriven: number;
  mosaicsFailed: number;
}

export interface ChaosStackOptions {
  /** 'sqlite' (a file in the stack's folder) or a `mysql://` URL whose database is created if missing. */
  database: string;
  /** The sweep's stall time, seconds: short, so a lost message is re-driven within the run. @default 10 */
  stalledAfterSeconds?: number;
}

export interface ChaosStack {
  readonly db: Kysely<Database>;
  readonly databaseLabel: string;
  readonly bucket: string;
  /** The folder standing for the bucket (uploads, canonical copies, outputs). */
  readonly folder: string;
  readonly topology: Topology;
  /** Topic id of each logical topic (random suffix: the emulator may be shared). */
  readonly topics: Readonly<Record<ChaosTopic | 'deadLetters', string>>;
  /** The running server of each function target. */
  readonly servers: Map<string, FunctionServer>;
  /**
   * Writes `bytes` as object `name` of the bucket and announces it as a GCS notification. A name
   * no file can have here (traversal, over 255 bytes a segment, not well-formed) is announced
   * only: ingest refuses such a name before it reads the object.
   */
  upload(name: string, bytes: Uint8Array): Promise<void>;
  /** Publishes raw data (and attributes) to a logical topic. */
  publish(topic: ChaosTopic, data: Buffer, attributes?: Record<string, string>): Promise<string>;
  /** Kills a function's process with SIGKILL; `restart` serves it again on the same port. */
  kill(target: ChaosTarget): Promise<void>;
  restart(target: ChaosTarget): Promise<void>;
  /** Asks the sweep function to run (a message on the sweep topic, as Cloud Scheduler sends). */
  sweep(): Promise<void>;
  /** The message ids of every delivery the functions logged (`runHandler`'s one line per delivery). */
  delivered(): ReadonlySet<string>;
  /** What the sweep deliveries did so far, summed from their log lines. */
  swept(): Readonly<SweepTotals>;
  stop(): Promise<void>;
}

/**
 * The cloud stack of `npm run dev:cloud` for the chaos suite, from the same harness
 * (scripts/dev-cloud/): the Pub/Sub emulator, every function of `CHAOS_FUNCTIONS` served by
 * functions-framework over HTTP from dist/, push subscriptions with retry and dead-letter policies,
 * the dead-letter topics pushed to the `deadLetter` function, a folder as the bucket, and SQLite or
 * a MySQL-compatible database.
 */
export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    buildDistIfStale();
    const root = mkdtempSync(join(tmpdir(), 'metdb-chaos-'));
    cleanups.push(() => Promise.resolve(rmSync(root, { recursive: true, force: true })));
    const bucket = 'chaos-bucket';
    const folder = join(root, bucket);
    mkdirSync(folder, { recursive: true });
    const target = options.database === 'sqlite' ? join(root, 'metdb.sqlite') : options.database;
    const config = parseDatabaseTarget(target, { poolSize: 2 });
    if (config.kind === 'mysql') await createMysqlDatabase(config.url);
    const handle: DatabaseHandle = await connectDatabase(config);
    cleanups.push(() => handle.close());
    await migrateToLatest(handle.db);

    const emulator: PubSubEmulator = await startPubSubEmulator();
    cleanups.push(() => emulator.stop());
    const suffix = randomUUID().slice(0, 8);
    const topics = Object.fromEntries([
      ...CHAOS_FUNCTIONS.map((f) => [f.topic, `chaos-${f.topic}-${suffix}`]),
      ['deadLetters', `chaos-dead-letters-${suffix}`],
    ]) as Record<ChaosTopic | 'deadLetters', string>;
    const env = {
      ...devFunctionEnv({ database: target, folder, emulator, topics }),
      // Every topic's id as `METDB_<TOPIC>_TOPIC` (METDB_EDGES_TOPIC, METDB_MOSAICS_TOPIC...).
      ...Object.fromEntries(
        CHAOS_FUNCTIONS.map((f) => [`METDB_${f.topic.toUpperCase()}_TOPIC`, topics[f.topic]]),
      ),
      METDB_SWEEP_STALLED_AFTER_S: String(options.stalledAfterSeconds ?? 10),
    };
    const servers = new Map<string, FunctionServer>();
    const delivered = new Set<string>();
    const swept: SweepTotals = {
      uploads: 0,
      outputs: 0,
      redriven: 0,
      failed: 0,
      mosaicsRedriven: 0,
      mosaicsFailed: 0,
    };
    const serve = async (name: string, port?: number) => {
      let partial = '';
      const onOutput = (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const id = line.includes('"outcome"') ? /"messageId":"([^"]+)"/.exec(line)?.[1] : undefined;
          if (id !== undefined) delivered.add(id);
          if (id !== undefined && line.includes('"component":"sweep"')) addSweep(swept, line);
        }
      };
      const server = await startFunction(name, {
        env,
        onOutput,
        timeoutMs: 180_000,
        ...(port === undefined ? {} : { port }),
      });
      servers.set(name, server);
    };
    cleanups.push(() => Promise.all([...servers.values()].map((s) => s.stop())));
    await Promise.all([...CHAOS_FUNCTIONS.map((f) => serve(f.target)), serve('deadLetter')]);
    const url = (name: string) => servers.get(name)!.url;
    const push = { ackDeadlineSeconds: 60, maxDeliveryAttempts: 5 } as const;
    const topology = await createTopology(emulator.host, emulator.projectId, [
      ...CHAOS_FUNCTIONS.map((f) => ({ topic: topics[f.topic], pushTo: url(f.target), ...push })),
      {
        topic: topics.deadLetters,
        pushTo: url('deadLetter'),
        ackDeadlineSeconds: 60,
        maxDeliveryAttempts: 'none',
      },
    ]);
    cleanups.push(() => topology.destroy());
    // Each topic's dead letters reach the deadLetter function too (its own topic has no policy: no loop).
    for (const f of CHAOS_FUNCTIONS) {
      await topology.pubsub
        .topic(`${topics[f.topic]}-dead-letter`)
        .createSubscription(`${topics[f.topic]}-dl-push`, {
          ackDeadlineSeconds: 60,
          pushConfig: {
            pushEndpoint: `${url('deadLetter')}/projects/${emulator.projectId}/topics/${topics[f.topic]}-dead-letter`,
          },
        });
      cleanups.push(() =>
        topology.pubsub
          .subscription(`${topics[f.topic]}-dl-push`)
          .delete()
          .catch(() => undefined),
      );
    }

    // Taps: a pull subscription on each topic sees every message, for the duplicates scenarios.
    for (const f of CHAOS_FUNCTIONS) {
      await topology.pubsub
        .topic(topics[f.topic])
        .createSubscription(`${topics[f.topic]}-tap`, { ackDeadlineSeconds: 60 });
      cleanups.push(() =>
        topology.pubsub
          .subscription(`${topics[f.topic]}-tap`)
          .delete()
          .catch(() => undefined),
      );
    }
    const publish = (topic: ChaosTopic, data: Buffer, attributes: Record<string, string> = {}) =>
      topology.pubsub.topic(topics[topic]).publishMessage({ data, attributes });
    return {
      db: handle.db,
      databaseLabel: config.kind === 'mysql' ? 'MariaDB' : 'SQLite',
      bucket,
      folder,
      topology,
      topics,
      servers,
      upload: async (name, bytes) => {
        let generation = `${Date.now()}000000`;
        let modified = Date.now();
        if (writable(name)) {
          const path = join(folder, name);
          mkdirSync(dirname(path), { recursive: true });
          await writeFile(path, bytes);
          const info = await stat(path, { bigint: true });
          generation = info.mtimeNs.toString();
          modified = Number(info.mtimeMs);
        }
        const resource = objectResource(bucket, name, bytes, generation, modified);
        const n = gcsNotification(resource);
        await publish('uploads', n.data, n.attributes);
      },
      publish,
      kill: (name) => servers.get(name)!.kill(),
      restart: (name) => serve(name, servers.get(name)!.port),
      sweep: async () => void (await publish('sweep', Buffer.from('{}'))),
      delivered: () => delivered,
      swept: () => ({ ...swept }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function addSweep(totals: SweepTotals, line: string): void {
  try {
    const fields = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    for (const key of Object.keys(totals) as (keyof SweepTotals)[]) {
      if (typeof fields[key] === 'number') totals[key] += fields[key];
    }
  } catch {
    // not a JSON line
  }
}

function writable(name: string): boolean {
  const segments = name.split('/');
  return (
    Buffer.from(name, 'utf8').toString('utf8') === name &&
    !name.startsWith('/') &&
    segments.every((s) => s !== '' && s !== '.' && s !== '..' && Buffer.byteLength(s) <= 255) &&
    ![...name].some((c) => c.charCodeAt(0) < 32)
  );
}
