/**
 * The cloud stack of the integration tests, on real components: the Pub/Sub emulator (push
 * subscriptions with the retry and dead-letter policies infra/ deploys), function targets served
 * by functions-framework over HTTP from dist/ (built first when stale), a MariaDB database of its
 * own, migrated, and the GCS JSON API test double as the buckets, whose finalized objects in one
 * bucket are announced as GCS notifications on the uploads topic, as a bucket notification would.
 */
import { Storage } from '@google-cloud/storage';
import type { Kysely } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import type { Database } from '../../shared/records/database-schema.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { buildDistIfStale } from '../../scripts/dev-cloud/build-dist.js';
import { startFunction, type FunctionServer } from '../../scripts/dev-cloud/function-server.js';
import { startPubSubEmulator, type PubSubEmulator } from '../../scripts/dev-cloud/pubsub-emulator.js';
import { createTopology, type Topology } from '../../scripts/dev-cloud/pubsub-topology.js';
import { gcsNotification } from '../../scripts/dev-cloud/storage-events.js';
import { createMysqlTestDatabase, type TestDatabase } from '../records/test-databases.js';
import { startGcsDouble, type GcsDouble } from './gcs-double.js';

export interface CloudTestStackOptions {
  /** The function targets to serve (`ingest`, `registerTile`, ...). */
  readonly functions: readonly string[];
  /** Push subscriptions: each topic pushes to one of `functions`. */
  readonly push: readonly { readonly topic: string; readonly target: string }[];
  /**
   * The functions' environment beyond what the stack sets itself (the database URL, a pool of 2,
   * the GCS endpoint, the project and the emulator): buckets, topics, log level.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Finalized objects of `bucket` are published to `topic` as GCS notifications. */
  readonly announce: { readonly bucket: string; readonly topic: string };
  /** Pull subscriptions `<topic>-tap` that see every message of these topics, to redeliver them. */
  readonly taps?: readonly string[];
  /** Connections of the test's own database pool. @default 2 */
  readonly poolSize?: number;
}

export interface CloudTestStack {
  readonly emulator: PubSubEmulator;
  readonly testDb: TestDatabase;
  readonly handle: DatabaseHandle;
  readonly db: Kysely<Database>;
  readonly gcs: GcsDouble;
  readonly storage: Storage;
  readonly topology: Topology;
  /** The served functions by target. */
  readonly servers: Readonly<Record<string, FunctionServer>>;
  /** Every notification published to the uploads topic, to redeliver them. */
  readonly notifications: { data: Buffer; attributes: Record<string, string> }[];
  /** The publications of those notifications. */
  readonly publishing: Promise<unknown>[];
  /** Milliseconds spent building dist/ and starting the rest. */
  readonly timings: { readonly buildMs: number; readonly setupMs: number };
  /** Stops and deletes everything the stack started (safe to call once, after any failure). */
  stop(): Promise<void>;
}

/** Starts the stack; on a failure part way, stops what had started and rethrows. */
export async function startCloudTestStack(options: CloudTestStackOptions): Promise<CloudTestStack> {
  const parts: Partial<Mutable<CloudTestStack>> = {};
  const servers: Record<string, FunctionServer> = {};
  const notifications: CloudTestStack['notifications'] = [];
  const publishing: Promise<unknown>[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(publishing);
    for (const topic of options.taps ?? []) {
      await parts.topology?.pubsub
        .subscription(`${topic}-tap`)
        .delete()
        .catch(() => undefined);
    }
    await parts.topology?.destroy();
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await parts.gcs?.stop();
    await parts.handle?.close();
    await parts.testDb?.drop();
    await parts.emulator?.stop();
  };
  try {
    let t = Date.now();
    buildDistIfStale();
    const buildMs = Date.now() - t;
    t = Date.now();
    const emulator = (parts.emulator = await startPubSubEmulator());
    process.env.PUBSUB_EMULATOR_HOST = emulator.host;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const testDb = (parts.testDb = await createMysqlTestDatabase(options.poolSize ?? 2));
    const handle = (parts.handle = await connectDatabase(testDb.config));
    await migrateToLatest(handle.db);
    const gcs = (parts.gcs = await startGcsDouble());
    const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: emulator.projectId });
    const env = {
      METDB_DATABASE_URL: testDb.config.kind === 'mysql' ? testDb.config.url : '',
      METDB_DB_POOL_SIZE: '2',
      METDB_GCS_API_ENDPOINT: gcs.endpoint,
      GOOGLE_CLOUD_PROJECT: emulator.projectId,
      PUBSUB_EMULATOR_HOST: emulator.host,
      ...options.env,
    };
    const started = await Promise.allSettled(
      options.functions.map((target) => startFunction(target, { env })),
    );
    for (const s of started) if (s.status === 'fulfilled') servers[s.value.target] = s.value;
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const policy = { ackDeadlineSeconds: 60, maxDeliveryAttempts: 5 };
    const topology = (parts.topology = await createTopology(
      emulator.host,
      emulator.projectId,
      options.push.map(({ topic, target }) => ({ topic, pushTo: servers[target]!.url, ...policy })),
    ));
    for (const topic of options.taps ?? []) {
      await topology.pubsub.topic(topic).createSubscription(`${topic}-tap`, { ackDeadlineSeconds: 60 });
    }
    const { bucket, topic } = options.announce;
    gcs.onFinalize((resource) => {
      if (resource.bucket !== bucket) return;
      const notification = gcsNotification(resource);
      notifications.push(notification);
      publishing.push(topology.pubsub.topic(topic).publishMessage(notification));
    });
    const timings = { buildMs, setupMs: Date.now() - t };
    return {
      emulator,
      testDb,
      handle,
      db: handle.db,
      gcs,
      storage,
      topology,
      servers,
      notifications,
      publishing,
      timings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
