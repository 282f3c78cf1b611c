import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/environments.js';
import { FUNCTION_SPECS } from '../../infra/function-specs.js';
import type { Block, SynthesizedStack } from './synth-stack.js';
import { field, resourcesOf, synthStack } from './synth-stack.js';

let stack: SynthesizedStack;
beforeAll(() => {
  stack = synthStack(ENVIRONMENTS.dev);
});
afterAll(() => stack.cleanup());

const byName = (blocks: Block[], name: string): Block => {
  const found = blocks.find((block) => block.name === name);
  if (found === undefined) throw new Error(`no resource named ${name}`);
  return found;
};

const namesOf = (blocks: Block[]): string[] => blocks.map((block) => String(block.name)).sort();

describe('infra stack (dev)', () => {
  it('declares the buckets, topics, database, functions and subscriptions', () => {
    const { json } = stack;
    expect(namesOf(resourcesOf(json, 'google_storage_bucket'))).toEqual([
      'metdb-dev-results',
      'metdb-dev-sources',
      'metdb-dev-uploads',
    ]);
    expect(namesOf(resourcesOf(json, 'google_pubsub_topic'))).toEqual([
      'metdb-dev-aggregate',
      'metdb-dev-dead-letter',
      'metdb-dev-edges',
      'metdb-dev-mosaics',
      'metdb-dev-outputs',
      'metdb-dev-reprocess',
      'metdb-dev-sweep',
      'metdb-dev-tiles',
      'metdb-dev-uploads',
    ]);
    expect(resourcesOf(json, 'google_sql_database_instance')).toHaveLength(1);
    expect(resourcesOf(json, 'google_sql_database').map((d) => d.name)).toEqual(['metdb']);
    expect(namesOf(resourcesOf(json, 'google_cloudfunctions2_function'))).toEqual([
      'metdb-dev-aggregate',
      'metdb-dev-dead-letter',
      'metdb-dev-ingest',
      'metdb-dev-migrate',
      'metdb-dev-publish-outputs',
      'metdb-dev-register-tile',
      'metdb-dev-reprocess',
      'metdb-dev-stitch-edge',
      'metdb-dev-stitch-solve',
      'metdb-dev-sweep',
    ]);
    expect(resourcesOf(json, 'google_pubsub_subscription')).toHaveLength(10);
  });

  it('runs the pipeline functions on nodejs22 with their entry points, concurrency 1', () => {
    // (`migrate` is the migrator's HTTP function: security.test.ts; `sweep` and `deadLetter`: below.)
    const functions = resourcesOf(stack.json, 'google_cloudfunctions2_function').filter(
      (f) => !['metdb-dev-migrate', 'metdb-dev-sweep', 'metdb-dev-dead-letter'].includes(String(f.name)),
    );
    expect(functions.map((f) => field(f, 'build_config').entry_point).sort()).toEqual([
      'aggregate',
      'ingest',
      'publishOutputs',
      'registerTile',
      'reprocess',
      'stitchEdge',
      'stitchSolve',
    ]);
    for (const fn of functions) {
      const build = field(fn, 'build_config');
      const service = field(fn, 'service_config');
      expect(build.runtime).toBe('nodejs22');
      expect(field(field(build, 'source'), 'storage_source').object).toMatch(
        /^\$\{google_storage_bucket_object\./,
      );
      expect(service.max_instance_request_concurrency).toBe(1);
      expect(service.max_instance_count).toBeGreaterThan(0);
      expect(service.ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    }
  });

  it('gives every function the environment contract, with its own IAM database user', () => {
    const expected = [
      'GOOGLE_CLOUD_PROJECT',
      'METDB_AGGREGATE_TOPIC',
      'METDB_CLOUDSQL_INSTANCE',
      'METDB_DB_IP_TYPE',
      'METDB_DB_NAME',
      'METDB_DB_POOL_SIZE',
      'METDB_DB_USER',
      'METDB_EDGES_TOPIC',
      'METDB_MAX_PIXELS',
      'METDB_MIGRATE_AT_START',
      'METDB_MOSAICS_TOPIC',
      'METDB_OUTPUTS_TOPIC',
      'METDB_REPROCESS_TOPIC',
      'METDB_RESULTS_BUCKET',
      'METDB_TILES_TOPIC',
      'METDB_UPLOAD_BUCKET',
    ];
    const users = resourcesOf(stack.json, 'google_sql_user');
    for (const spec of Object.values(FUNCTION_SPECS)) {
      const fn = byName(resourcesOf(stack.json, 'google_cloudfunctions2_function'), `metdb-dev-${spec.slug}`);
      const env = field(field(fn, 'service_config'), 'environment_variables');
      expect(Object.keys(env).sort()).toEqual(expected);
      expect(env.METDB_DB_USER).toBe(`metdb-dev-${spec.slug}@metdb-dev.iam`);
      expect(env.METDB_DB_POOL_SIZE).toBe('2');
      expect(env.METDB_CLOUDSQL_INSTANCE).toMatch(/google_sql_database_instance\..*\.connection_name/);
      const user = byName(users, env.METDB_DB_USER as string);
      expect(user.type).toBe('CLOUD_IAM_SERVICE_ACCOUNT');
    }
  });

  it('triggers each function by an OIDC push subscription with retry and dead-letter policies', () => {
    const subscriptions = resourcesOf(stack.json, 'google_pubsub_subscription');
    const push = subscriptions.filter(
      (s) => s.push_config !== undefined && !/-(sweep|dead-letter)-push$/.test(String(s.name)),
    );
    expect(namesOf(push)).toEqual([
      'metdb-dev-aggregate-push',
      'metdb-dev-ingest-push',
      'metdb-dev-publish-outputs-push',
      'metdb-dev-register-tile-push',
      'metdb-dev-reprocess-push',
      'metdb-dev-stitch-edge-push',
      'metdb-dev-stitch-solve-push',
    ]);
    for (const subscription of push) {
      const config = field(subscription, 'push_config');
      const oidc = field(config, 'oidc_token');
      expect(oidc.service_account_email).toBe('${google_service_account.push-account.email}');
      expect(oidc.audience).toMatch(/service_config\[0\]\.uri\}$/);
      expect(config.push_endpoint).toMatch(/service_config\[0\]\.uri\}\/projects\/metdb-dev\/topics\/\$\{/);
      expect(field(subscription, 'dead_letter_policy')).toEqual({
        dead_letter_topic: expect.stringMatching(/google_pubsub_topic\.pubsub_dead-letter_.*\.id/) as string,
        max_delivery_attempts: 5,
      });
      expect(field(subscription, 'retry_policy')).toEqual({
        minimum_backoff: '10s',
        maximum_backoff: '600s',
      });
      expect(field(subscription, 'expiration_policy')).toEqual({ ttl: '' });
      expect(subscription.ack_deadline_seconds).toBeLessThanOrEqual(600);
    }
    const pull = subscriptions.filter((s) => s.push_config === undefined);
    expect(pull.map((s) => s.name)).toEqual(['metdb-dev-dead-letter-pull']);
    expect(pull[0]?.topic).toMatch(/pubsub_dead-letter_/);
  });

  it('sweeps on a schedule and consumes the dead-letter topic, without a dead-letter loop', () => {
    const [schedule] = resourcesOf(stack.json, 'google_cloud_scheduler_job');
    expect(schedule?.schedule).toBe('every 5 minutes');
    expect(String(field(schedule ?? {}, 'pubsub_target').topic_name)).toMatch(/sweep-topic.*\.id\}$/);
    const subscriptions = resourcesOf(stack.json, 'google_pubsub_subscription');
    const sweep = subscriptions.find((s) => s.name === 'metdb-dev-sweep-push');
    const dead = subscriptions.find((s) => s.name === 'metdb-dev-dead-letter-push');
    expect(String(sweep?.topic)).toMatch(/sweep-topic/);
    expect(String(dead?.topic)).toMatch(/pubsub_dead-letter_/);
    for (const s of [sweep, dead]) expect(s?.dead_letter_policy).toBeUndefined();
    const functions = resourcesOf(stack.json, 'google_cloudfunctions2_function');
    expect(field(byName(functions, 'metdb-dev-sweep'), 'build_config').entry_point).toBe('sweep');
    expect(field(byName(functions, 'metdb-dev-dead-letter'), 'build_config').entry_point).toBe('deadLetter');
    // The sweep ingests again uploads with no final row: at least ingest's memory, and the upload bucket.
    const mib = (m: unknown) => Number.parseInt(String(m), 10) * (String(m).endsWith('Gi') ? 1024 : 1);
    const sweepConfig = field(byName(functions, 'metdb-dev-sweep'), 'service_config');
    const ingestConfig = field(byName(functions, 'metdb-dev-ingest'), 'service_config');
    expect(mib(sweepConfig.available_memory)).toBeGreaterThanOrEqual(mib(ingestConfig.available_memory));
    expect(mib(sweepConfig.available_memory)).toBeGreaterThanOrEqual(2048);
    expect(Number(sweepConfig.available_cpu)).toBeGreaterThanOrEqual(Number(ingestConfig.available_cpu));
    expect(String((sweepConfig.environment_variables as Block).METDB_UPLOAD_BUCKET)).toMatch(
      /buckets_uploads_/,
    );
  });

  it('announces finalized uploads on the uploads topic as JSON_API_V1', () => {
    const [notification, ...rest] = resourcesOf(stack.json, 'google_storage_notification');
    expect(rest).toHaveLength(0);
    expect(notification?.payload_format).toBe('JSON_API_V1');
    expect(notification?.event_types).toEqual(['OBJECT_FINALIZE']);
    expect(notification?.bucket).toMatch(/buckets_uploads_/);
    expect(notification?.topic).toMatch(/pubsub_uploads_.*\.id/);
  });

  it('keeps buckets private, versions uploads and ages results to Nearline', () => {
    const buckets = resourcesOf(stack.json, 'google_storage_bucket');
    for (const bucket of buckets) {
      expect(bucket.public_access_prevention).toBe('enforced');
      expect(bucket.uniform_bucket_level_access).toBe(true);
    }
    const uploads = byName(buckets, 'metdb-dev-uploads');
    expect(uploads.versioning).toEqual({ enabled: true });
    expect(uploads.lifecycle_rule).toContainEqual({
      action: { type: 'Delete' },
      condition: { with_state: 'ARCHIVED', days_since_noncurrent_time: 7 },
    });
    const results = byName(buckets, 'metdb-dev-results');
    expect(results.lifecycle_rule).toContainEqual({
      action: { type: 'SetStorageClass', storage_class: 'NEARLINE' },
      condition: { age: 30, matches_storage_class: ['STANDARD'] },
    });
  });

  it('configures Cloud SQL for MySQL 8 with IAM auth, SSL, no networks and backups', () => {
    const [instance] = resourcesOf(stack.json, 'google_sql_database_instance');
    expect(instance?.database_version).toMatch(/^MYSQL_8_/);
    const settings = field(instance ?? {}, 'settings');
    expect(settings.database_flags).toContainEqual({ name: 'cloudsql_iam_authentication', value: 'on' });
    expect(settings.database_flags).toContainEqual({ name: 'max_connections', value: '100' });
    const ip = field(settings, 'ip_configuration');
    expect(ip.ssl_mode).toBe('ENCRYPTED_ONLY');
    expect(ip.authorized_networks ?? []).toEqual([]);
    expect(settings.connector_enforcement).toBe('REQUIRED');
    const backups = field(settings, 'backup_configuration');
    expect(backups.enabled).toBe(true);
    expect(backups.binary_log_enabled).toBe(true);
    expect(instance?.deletion_protection).toBe(false);
  });

  it('outputs what a user needs', () => {
    expect(Object.keys(stack.json.output).sort()).toEqual(
      expect.arrayContaining([
        'upload_bucket',
        'results_bucket',
        'cloudsql_connection_name',
        'uploads_topic',
        'tiles_topic',
        'aggregate_topic',
        'reprocess_topic',
        'dead_letter_topic',
        'dead_letter_subscription',
        'ingest_url',
        'register_tile_url',
        'aggregate_url',
        'reprocess_url',
        'edges_topic',
        'mosaics_topic',
        'stitch_edge_url',
        'stitch_solve_url',
      ]),
    );
  });

  it('archives the staged functions source as a content-addressed object', () => {
    const [object] = resourcesOf(stack.json, 'google_storage_bucket_object');
    expect(object?.name).toMatch(/^functions\/[0-9A-F]{32}\.zip$/);
    expect(object?.source).toMatch(/^assets\/.*\/archive\.zip$/);
  });
});
