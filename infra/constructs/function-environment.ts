import type { FunctionContext } from './function-context.js';

/** The environment variables every function reads (the contract with `functions/`). */
export interface FunctionEnvironment {
  readonly GOOGLE_CLOUD_PROJECT: string;
  /** Cloud SQL instance connection name, `project:region:instance`. */
  readonly METDB_CLOUDSQL_INSTANCE: string;
  readonly METDB_DB_NAME: string;
  /** IAM database user: the service account email without `.gserviceaccount.com`. */
  readonly METDB_DB_USER: string;
  /** `PRIVATE`: the instance has no public IP; the connector reaches it through the VPC. */
  readonly METDB_DB_IP_TYPE: 'PRIVATE';
  /** Connections per instance; the connection budget counts with it. */
  readonly METDB_DB_POOL_SIZE: string;
  readonly METDB_UPLOAD_BUCKET: string;
  readonly METDB_RESULTS_BUCKET: string;
  /** Topic names (short ids, not `projects/.../topics/...`). */
  readonly METDB_TILES_TOPIC: string;
  readonly METDB_AGGREGATE_TOPIC: string;
  readonly METDB_REPROCESS_TOPIC: string;
  /** Where `aggregate` announces settled jobs for `publishOutputs`. */
  readonly METDB_OUTPUTS_TOPIC: string;
  /** A mosaic's edge messages, and its solve. */
  readonly METDB_EDGES_TOPIC: string;
  readonly METDB_MOSAICS_TOPIC: string;
  /** `false`: migrations are the migrator's (CI); the function only checks the schema is current. */
  readonly METDB_MIGRATE_AT_START: 'false';
  /** Largest image accepted, voxels; the function's memory is sized from it. */
  readonly METDB_MAX_PIXELS: string;
}

/** The environment of one function, whose service account is `accountId`: the same for all but the database user. */
export function functionEnvironment(context: FunctionContext, accountId: string): { [name: string]: string } {
  const { config, topics } = context;
  const environment: FunctionEnvironment = {
    GOOGLE_CLOUD_PROJECT: config.project,
    METDB_CLOUDSQL_INSTANCE: context.database.instance.connectionName,
    METDB_DB_NAME: config.sql.databaseName,
    METDB_DB_USER: `${accountId}@${config.project}.iam`,
    METDB_DB_IP_TYPE: 'PRIVATE',
    METDB_DB_POOL_SIZE: String(config.dbPoolSize),
    METDB_UPLOAD_BUCKET: context.uploadBucket.name,
    METDB_RESULTS_BUCKET: context.resultsBucket.name,
    METDB_TILES_TOPIC: topics.tiles.name,
    METDB_AGGREGATE_TOPIC: topics.aggregate.name,
    METDB_REPROCESS_TOPIC: topics.reprocess.name,
    METDB_OUTPUTS_TOPIC: topics.outputs.name,
    METDB_EDGES_TOPIC: topics.edges.name,
    METDB_MOSAICS_TOPIC: topics.mosaics.name,
    METDB_MIGRATE_AT_START: 'false',
    METDB_MAX_PIXELS: String(config.images.maxPixels),
  };
  return { ...environment };
}
