import { MetdbError } from '../shared/errors/metdb-error.js';
import type { ConfigOverrides, EnvironmentName, MetdbInfraConfig } from './config.js';
import { checkConfig } from './check-config.js';
import { ENVIRONMENT_NAMES } from './config.js';
import { DEFAULT_MAX_PIXELS_PER_IMAGE } from '../shared/pipeline/memory-budget.js';

/**
 * The development environment: smallest tiers, no high availability, buckets that `destroy`
 * may empty. Connection budget: (4 + 10 + 3 + 2 + 1 + 10 + 2) instances × pool 2 + sweep and deadLetter (1 × 2 each) + migrate (1) + 10 reserved = 79 <= 100.
 */
const dev: MetdbInfraConfig = {
  environment: 'dev',
  project: 'metdb-dev',
  region: 'europe-west1',
  namePrefix: 'metdb-dev',
  labels: { app: 'metdb', env: 'dev', managed_by: 'cdktf' },
  deployServiceAccount: 'metdb-deployer@metdb-dev.iam.gserviceaccount.com',
  stateBucket: undefined,
  functionsSourceDir: 'dist/stage/functions',
  dbPoolSize: 2,
  ingress: 'ALLOW_INTERNAL_ONLY',
  functions: {
    ingest: { memory: '1Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 4, minInstances: 0 },
    registerTile: { memory: '2Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 10, minInstances: 0 },
    aggregate: { memory: '2Gi', cpu: '1', timeoutSeconds: 540, maxInstances: 3, minInstances: 0 },
    reprocess: { memory: '512Mi', cpu: '1', timeoutSeconds: 120, maxInstances: 2, minInstances: 0 },
    publishOutputs: { memory: '2Gi', cpu: '1', timeoutSeconds: 540, maxInstances: 1, minInstances: 0 },
    stitchEdge: { memory: '1Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 10, minInstances: 0 },
    stitchSolve: { memory: '2Gi', cpu: '1', timeoutSeconds: 540, maxInstances: 2, minInstances: 0 },
  },
  sql: {
    databaseVersion: 'MYSQL_8_0',
    tier: 'db-g1-small',
    edition: 'ENTERPRISE',
    availabilityType: 'ZONAL',
    diskSizeGb: 10,
    maxConnections: 100,
    reservedConnections: 10,
    retainedBackups: 7,
    transactionLogRetentionDays: 7,
    backupStartTime: '02:00',
    deletionProtection: false,
    databaseName: 'metdb',
  },
  buckets: {
    location: 'EUROPE-WEST1',
    uploadNoncurrentDeleteDays: 7,
    resultsNearlineAfterDays: 30,
    forceDestroy: true,
  },
  pubsub: {
    maxDeliveryAttempts: 5,
    minimumBackoff: '10s',
    maximumBackoff: '600s',
    deadLetterRetention: '604800s',
  },
  network: { privateServicesPrefixLength: 20, connectorCidr: '10.8.0.0/28', connectorMaxInstances: 3 },
  images: { maxPixels: DEFAULT_MAX_PIXELS_PER_IMAGE },
};

/**
 * Production: a dedicated-core tier, regional (HA) database, deletion protection on.
 * Connection budget: (10 + 60 + 10 + 4 + 4 + 20 + 4) instances × pool 2 + sweep and deadLetter (1 × 2 each) + migrate (1) + 20 reserved = 249 <= 400.
 */
const prod: MetdbInfraConfig = {
  ...dev,
  environment: 'prod',
  project: 'metdb-prod',
  namePrefix: 'metdb-prod',
  deployServiceAccount: 'metdb-deployer@metdb-prod.iam.gserviceaccount.com',
  labels: { app: 'metdb', env: 'prod', managed_by: 'cdktf' },
  functions: {
    ingest: { memory: '2Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 10, minInstances: 0 },
    registerTile: { memory: '2Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 60, minInstances: 0 },
    aggregate: { memory: '4Gi', cpu: '2', timeoutSeconds: 540, maxInstances: 10, minInstances: 0 },
    reprocess: { memory: '512Mi', cpu: '1', timeoutSeconds: 120, maxInstances: 4, minInstances: 0 },
    publishOutputs: { memory: '4Gi', cpu: '2', timeoutSeconds: 540, maxInstances: 4, minInstances: 0 },
    stitchEdge: { memory: '2Gi', cpu: '1', timeoutSeconds: 300, maxInstances: 20, minInstances: 0 },
    stitchSolve: { memory: '4Gi', cpu: '2', timeoutSeconds: 540, maxInstances: 4, minInstances: 0 },
  },
  sql: {
    ...dev.sql,
    tier: 'db-custom-2-7680',
    availabilityType: 'REGIONAL',
    diskSizeGb: 50,
    maxConnections: 400,
    reservedConnections: 20,
    retainedBackups: 30,
    deletionProtection: true,
  },
  buckets: {
    ...dev.buckets,
    uploadNoncurrentDeleteDays: 30,
    resultsNearlineAfterDays: 90,
    forceDestroy: false,
  },
  network: { ...dev.network, connectorMaxInstances: 6 },
};

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, MetdbInfraConfig>> = { dev, prod };

function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/** A set environment variable, or `undefined` if unset or empty. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The configuration to deploy, chosen by environment variables:
 * - `METDB_ENV`: `dev` (default) or `prod`;
 * - `METDB_GCP_PROJECT`, `METDB_GCP_REGION`: override the environment's project and region;
 * - `METDB_STATE_BUCKET`: keep the Terraform state in this GCS bucket (default: local file);
 * - `METDB_DEPLOY_SERVICE_ACCOUNT`: the deployer's email (default `metdb-deployer@<project>...`);
 * - `METDB_FUNCTIONS_SOURCE`: the staged functions directory (default `dist/stage/functions`).
 * Throws a permanent `MetdbError` for an unknown environment or an invalid result.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): MetdbInfraConfig {
  const name = nonEmpty(env.METDB_ENV) ?? 'dev';
  if (!isEnvironmentName(name)) {
    throw new MetdbError(
      'invalid-value',
      `METDB_ENV='${name}': expected one of ${ENVIRONMENT_NAMES.join(', ')}`,
    );
  }
  const project = nonEmpty(env.METDB_GCP_PROJECT);
  const region = nonEmpty(env.METDB_GCP_REGION);
  const stateBucket = nonEmpty(env.METDB_STATE_BUCKET);
  const functionsSourceDir = nonEmpty(env.METDB_FUNCTIONS_SOURCE);
  const deployer =
    nonEmpty(env.METDB_DEPLOY_SERVICE_ACCOUNT) ??
    (project === undefined ? undefined : `metdb-deployer@${project}.iam.gserviceaccount.com`);
  const overrides: ConfigOverrides = {
    ...(project === undefined ? {} : { project }),
    ...(region === undefined ? {} : { region }),
    ...(stateBucket === undefined ? {} : { stateBucket }),
    ...(functionsSourceDir === undefined ? {} : { functionsSourceDir }),
    ...(deployer === undefined ? {} : { deployServiceAccount: deployer }),
  };
  return withOverrides(ENVIRONMENTS[name], overrides);
}

/** An environment with some settings replaced, validated (including the connection budget). */
export function withOverrides(base: MetdbInfraConfig, overrides: ConfigOverrides): MetdbInfraConfig {
  const merged: MetdbInfraConfig = { ...base, ...overrides };
  // A region override moves the buckets with the functions unless they are multi-regional.
  const buckets =
    overrides.region !== undefined && base.buckets.location === base.region.toUpperCase()
      ? { ...base.buckets, location: overrides.region.toUpperCase() }
      : base.buckets;
  return checkConfig({ ...merged, buckets });
}
