import { basename, dirname } from 'node:path';

export interface DevFunctionEnvOptions {
  /** `METDB_DATABASE_URL`: an absolute SQLite path or a mysql URL. */
  readonly database: string;
  /** The folder standing for the bucket; the bucket is its base name. */
  readonly folder: string;
  readonly emulator: { readonly projectId: string; readonly host: string };
  readonly topics: {
    readonly tiles: string;
    readonly aggregate: string;
    readonly reprocess: string;
    /** Where aggregate announces settled jobs for publishOutputs; absent, nothing is announced. */
    readonly outputs?: string;
  };
}

/**
 * The environment of the functions on the local cloud stack (docs/dev-cloud.md): the database,
 * the folder as both buckets, the emulator and the topic ids, a pool of 2 like a deployment.
 */
export function devFunctionEnv(options: DevFunctionEnvOptions): Record<string, string> {
  const bucket = basename(options.folder);
  return {
    METDB_DATABASE_URL: options.database,
    METDB_DB_POOL_SIZE: '2',
    METDB_LOCAL_BUCKET_DIR: dirname(options.folder),
    METDB_UPLOAD_BUCKET: bucket,
    METDB_RESULTS_BUCKET: bucket,
    GOOGLE_CLOUD_PROJECT: options.emulator.projectId,
    PUBSUB_EMULATOR_HOST: options.emulator.host,
    METDB_TILES_TOPIC: options.topics.tiles,
    METDB_AGGREGATE_TOPIC: options.topics.aggregate,
    METDB_REPROCESS_TOPIC: options.topics.reprocess,
    ...(options.topics.outputs === undefined ? {} : { METDB_OUTPUTS_TOPIC: options.topics.outputs }),
    METDB_LOG_LEVEL: 'info',
  };
}
