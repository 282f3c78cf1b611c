/** The pipeline's Cloud Functions, named by their functions-framework target (entry point). */
export type FunctionName =
  'ingest' | 'registerTile' | 'aggregate' | 'reprocess' | 'publishOutputs' | 'stitchEdge' | 'stitchSolve';
export const FUNCTION_NAMES: readonly FunctionName[] = [
  'ingest',
  'registerTile',
  'aggregate',
  'reprocess',
  'publishOutputs',
  'stitchEdge',
  'stitchSolve',
];

/** The environments this repository knows. Pick one with `METDB_ENV` (default `dev`). */
export type EnvironmentName = 'dev' | 'prod';
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['dev', 'prod'];

/** Size of one gen2 function (its underlying Cloud Run service). */
export interface FunctionSizing {
  /** Memory per instance, Cloud Run syntax, e.g. `'1Gi'`, `'512Mi'`. */
  readonly memory: string;
  /** vCPUs per instance, e.g. `'1'`, `'2'`. */
  readonly cpu: string;
  /**
   * Request timeout in seconds. Also the Pub/Sub ack deadline of the function's push subscription,
   * so it must be at most 600 (the Pub/Sub maximum).
   */
  readonly timeoutSeconds: number;
  /** Upper bound of instances; with concurrency 1 it bounds the Cloud SQL connections too. */
  readonly maxInstances: number;
  /** Warm instances kept running (costs money while idle). */
  readonly minInstances: number;
}

export interface SqlConfig {
  /** MySQL major version. */
  readonly databaseVersion: 'MYSQL_8_0' | 'MYSQL_8_4';
  /** Machine tier, e.g. `db-f1-micro`, `db-custom-2-7680`. */
  readonly tier: string;
  /** Cloud SQL edition; shared-core and custom tiers need `ENTERPRISE`. */
  readonly edition: 'ENTERPRISE' | 'ENTERPRISE_PLUS';
  /** `ZONAL` (one zone) or `REGIONAL` (high availability, twice the cost). */
  readonly availabilityType: 'ZONAL' | 'REGIONAL';
  /** Initial disk size in GB (auto-resize is on). */
  readonly diskSizeGb: number;
  /**
   * The instance's connection limit: set as the `max_connections` database flag, so the budget
   * check below is against the value the server really enforces. Keep it within what the tier's
   * memory supports.
   */
  readonly maxConnections: number;
  /** Connections kept free for operators, migrations and the Auth Proxy. */
  readonly reservedConnections: number;
  /** Automated backups kept (count). */
  readonly retainedBackups: number;
  /** Transaction log (binary log) retention for point-in-time recovery, in days. */
  readonly transactionLogRetentionDays: number;
  /** Daily backup window start, `HH:MM` UTC. */
  readonly backupStartTime: string;
  /** Terraform and API deletion protection. Turn off only to tear down. */
  readonly deletionProtection: boolean;
  /** Name of the application database. */
  readonly databaseName: string;
}

export interface BucketConfig {
  /** Location of both buckets, e.g. the region or `EU`. */
  readonly location: string;
  /** Noncurrent (overwritten or deleted) upload versions are deleted after this many days. */
  readonly uploadNoncurrentDeleteDays: number;
  /** Result objects move to the Nearline storage class after this many days. */
  readonly resultsNearlineAfterDays: number;
  /** Let `terraform destroy` delete non-empty buckets, the sources bucket included (dev only). */
  readonly forceDestroy: boolean;
}

export interface PubsubConfig {
  /** Deliveries before a message goes to the dead-letter topic (5 to 100). */
  readonly maxDeliveryAttempts: number;
  /** Retry backoff bounds, Pub/Sub duration syntax (`'10s'`, `'600s'`). */
  readonly minimumBackoff: string;
  readonly maximumBackoff: string;
  /** How long dead letters are kept on the operators' pull subscription (max `'604800s'`). */
  readonly deadLetterRetention: string;
}

export interface NetworkConfig {
  /** Size of the private services access range Cloud SQL takes its IP from (16-24). */
  readonly privateServicesPrefixLength: number;
  /** The Serverless VPC Access connector's /28 range (must not overlap the VPC's others). */
  readonly connectorCidr: string;
  /** Connector instances at most (2-10); its throughput scales with them. */
  readonly connectorMaxInstances: number;
}

export interface ImageLimitsConfig {
  /**
   * Largest image, voxels, every function accepts (`METDB_MAX_PIXELS`); each function's memory is
   * sized from it (shared/pipeline/memory-budget.ts), never below the function's `memory`.
   */
  readonly maxPixels: number;
}

/** Everything that differs between deployments. No secrets here: there are none to keep. */
export interface MetdbInfraConfig {
  readonly environment: EnvironmentName;
  /** Google Cloud project id. */
  readonly project: string;
  /** Region of the functions, the database and the buckets. */
  readonly region: string;
  /** Prefix of every resource name (lowercase letters, digits, dashes; at most 14 characters). */
  readonly namePrefix: string;
  /**
   * Labels put on every resource that takes labels. Use `_`, not `-`, in keys: `cdktf synth --hcl`
   * rewrites dashed keys of the provider's `default_labels` to underscores.
   */
  readonly labels: Readonly<Record<string, string>>;
  /** The deployer service account (email): Terraform runs as it, and only it may run `migrate`. */
  readonly deployServiceAccount: string;
  /** GCS bucket holding the Terraform state; `undefined` keeps the state in a local file. */
  readonly stateBucket: string | undefined;
  /** Directory staged by `npm run stage:functions`; archived as the functions' source. */
  readonly functionsSourceDir: string;
  /** Connection pool size per function instance (`METDB_DB_POOL_SIZE`). */
  readonly dbPoolSize: number;
  /** Ingress of the functions; Pub/Sub push counts as internal traffic. */
  readonly ingress: 'ALLOW_INTERNAL_ONLY' | 'ALLOW_ALL';
  readonly functions: Readonly<Record<FunctionName, FunctionSizing>>;
  readonly sql: SqlConfig;
  readonly buckets: BucketConfig;
  readonly pubsub: PubsubConfig;
  readonly network: NetworkConfig;
  readonly images: ImageLimitsConfig;
}

/** Settings that may be overridden from the environment (see {@link loadConfig}). */
export type ConfigOverrides = Partial<
  Pick<MetdbInfraConfig, 'project' | 'region' | 'stateBucket' | 'functionsSourceDir' | 'deployServiceAccount'>
>;
