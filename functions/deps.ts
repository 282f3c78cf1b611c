import { blobStoreFromEnv } from '../shared/adapters/blob-store-from-env.js';
import { PubSubBus } from '../shared/adapters/pubsub-bus.js';
import { logger } from '../shared/logging/logger.js';
import { pipelineLimitsFromEnv, type PipelineDeps } from '../shared/pipeline/pipeline-deps.js';
import { databaseConfigFromEnv } from '../shared/adapters/database-config.js';
import { assertMigrated, migrateToLatest } from '../shared/records/migrate.js';
import { openDatabase } from '../shared/adapters/open-database.js';

let deps: Promise<PipelineDeps> | undefined;

/**
 * The pipeline's dependencies for this function instance, built from the environment on first
 * use and reused by every invocation (one database pool, one Pub/Sub client, one storage client):
 * - database: `databaseConfigFromEnv()` (`METDB_DATABASE_URL` or `METDB_CLOUDSQL_INSTANCE`...),
 *   migrated to the latest schema at cold start, unless `METDB_MIGRATE_AT_START=false` (the
 *   deployment: the `migrate` function applies migrations from CI and the functions' users hold
 *   no DDL privilege; a schema behind the code is then a transient error, docs/deploy.md);
 * - canonical images: the bucket `METDB_RESULTS_BUCKET` (else `METDB_UPLOAD_BUCKET`), uploads from the
 *   bucket their event names; GCS (`METDB_GCS_API_ENDPOINT` for a test double) or, with
 *   `METDB_LOCAL_BUCKET_DIR`, local folders (`blobStoreFromEnv`);
 * - bus: Pub/Sub, topic ids from `METDB_TILES_TOPIC`, `METDB_AGGREGATE_TOPIC`; settled jobs are
 *   announced on `METDB_OUTPUTS_TOPIC` for `publishOutputs` only when it is set (the IaC sets it);
 * - limits: `METDB_MAX_UPLOAD_BYTES`, `METDB_MAX_PIXELS` (defaults: 2^31 - 1 bytes, 1e8 voxels:
 *   memory-budget.ts; the IaC sizes each function's memory from the limit it sets).
 * A failed build is forgotten, so the next delivery tries again.
 */
export function pipelineDeps(env: NodeJS.ProcessEnv = process.env): Promise<PipelineDeps> {
  deps ??= build(env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

async function build(env: NodeJS.ProcessEnv): Promise<PipelineDeps> {
  const results = env.METDB_RESULTS_BUCKET || env.METDB_UPLOAD_BUCKET;
  if (!results)
    throw new Error('set METDB_RESULTS_BUCKET (or METDB_UPLOAD_BUCKET): the bucket of canonical images');
  const handle = await openDatabase(databaseConfigFromEnv(env));
  if (env.METDB_MIGRATE_AT_START === 'false') await assertMigrated(handle.db);
  else await migrateToLatest(handle.db);
  return {
    db: handle.db,
    blobs: blobStoreFromEnv(results, env),
    bucket: (name) => blobStoreFromEnv(name, env),
    bus: new PubSubBus(),
    logger,
    topics: {
      tiles: 'tiles',
      aggregate: 'aggregate',
      ...(env.METDB_OUTPUTS_TOPIC ? { outputs: 'outputs' as const } : {}),
    },
    limits: pipelineLimitsFromEnv(env),
  };
}
