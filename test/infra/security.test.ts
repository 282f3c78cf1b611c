import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../infra/config.js';
import { ENVIRONMENTS } from '../../infra/environments.js';
import { FUNCTION_SPECS } from '../../infra/function-specs.js';
import { functionSizing } from '../../infra/constructs/pipeline-function.js';
import { memoryMibFor } from '../../shared/pipeline/memory-budget.js';
import type { Block, SynthesizedStack } from './synth-stack.js';
import { allStrings, field, resourcesOf, synthStack } from './synth-stack.js';

let stack: SynthesizedStack;
beforeAll(() => {
  stack = synthStack(ENVIRONMENTS.prod);
});
afterAll(() => stack.cleanup());

/** Every IAM grant of the stack, whatever the resource type. */
const iamGrants = (): { type: string; grant: Block }[] =>
  Object.entries(stack.json.resource)
    .filter(([type]) => type.endsWith('_iam_member'))
    .flatMap(([type, blocks]) => Object.values(blocks).map((grant) => ({ type, grant })));

const grantsTo = (memberPattern: RegExp): { type: string; role: unknown; target: string }[] =>
  iamGrants()
    .filter(({ grant }) => memberPattern.test(String(grant.member)))
    .map(({ type, grant }) => ({
      type,
      role: grant.role,
      target: String(grant.bucket ?? grant.topic ?? grant.subscription ?? grant.name ?? grant.project),
    }));

/**
 * Evaluates the IAM conditions of the stack on an object's resource name: a conjunction of
 * `resource.name.startsWith("P")` and `resource.name.extract("A{x}B") == ""` / `!= ""` terms, with
 * `extract` as IAM documents it (the text between A and the next B after it, "" when absent).
 */
function evaluateCondition(expression: string, name: string): boolean {
  return expression.split(' && ').every((term) => {
    const starts = /^resource\.name\.startsWith\("([^"]*)"\)$/.exec(term);
    if (starts !== null) return name.startsWith(starts[1]!);
    const extract = /^resource\.name\.extract\("(.*?)\{\w+\}([^"]*)"\) (==|!=) ""$/.exec(term);
    if (extract === null) throw new Error(`unknown condition term: ${term}`);
    const [, before, after, op] = extract as unknown as [string, string, string, string];
    const at = name.indexOf(before);
    const end = at < 0 ? -1 : name.indexOf(after, at + before.length);
    const value = end < 0 ? '' : name.slice(at + before.length, end);
    return op === '==' ? value === '' : value !== '';
  });
}

describe('infra security (prod)', () => {
  it('grants nothing to allUsers or allAuthenticatedUsers', () => {
    const strings = allStrings(stack.json.resource);
    expect(strings.length).toBeGreaterThan(100);
    expect(strings.filter((s) => /allUsers|allAuthenticatedUsers/.test(s))).toEqual([]);
  });

  it('uses no primitive roles and no authoritative IAM resources', () => {
    const roles = iamGrants().map(({ grant }) => String(grant.role));
    expect(roles.length).toBeGreaterThan(20);
    expect(roles.filter((role) => /^roles\/(owner|editor|viewer)$/.test(role))).toEqual([]);
    const authoritative = Object.keys(stack.json.resource).filter((type) =>
      /_iam_(binding|policy)$/.test(type),
    );
    expect(authoritative).toEqual([]);
  });

  it('gives each function service account exactly the roles of its spec', () => {
    for (const spec of Object.values(FUNCTION_SPECS)) {
      const grants = grantsTo(new RegExp(`\\.fn-${spec.slug}_identity_account_[0-9A-F]+\\.member\\}$`));
      const project = grants.filter((g) => g.type === 'google_project_iam_member').map((g) => g.role);
      expect(project.sort(), spec.name).toEqual([
        'roles/cloudsql.client',
        'roles/cloudsql.instanceUser',
        'roles/logging.logWriter',
      ]);
      const buckets = grants
        .filter((g) => g.type === 'google_storage_bucket_iam_member')
        .map((g) => `${/buckets_(\w+?)_/.exec(g.target)?.[1]}:${String(g.role)}`);
      expect(buckets.sort(), spec.name).toEqual(LEAST_PRIVILEGE[spec.name].buckets);
      const topics = grants
        .filter((g) => g.type === 'google_pubsub_topic_iam_member')
        .map((g) => `${/pubsub_([\w-]+?)_[0-9A-F]+\./.exec(g.target)?.[1]}:${String(g.role)}`);
      expect(topics.sort(), spec.name).toEqual(LEAST_PRIVILEGE[spec.name].topics);
      expect(grants.length, spec.name).toBe(project.length + buckets.length + topics.length);
    }
  });

  it('gives every object name of the results bucket one creator: ingest datasets/, publishOutputs the snapshots, stitchSolve the mosaics', () => {
    const creators: Block[] = iamGrants()
      .filter(
        ({ grant }) =>
          grant.role === 'roles/storage.objectCreator' ||
          /objectAdmin|storage\.admin/.test(String(grant.role)),
      )
      .map(({ grant }) => grant);
    const onResults = creators.filter((g) => /buckets_results_/.test(String(g.bucket)));
    const byFunction = new Map<string, Block>(
      onResults.map((g): [string, Block] => [
        // `.fn-<slug>_identity_account_...` (pipeline functions), `.recovery_<slug>-identity_account_...`
        /\.(?:fn-([\w-]+)_|recovery_([\w-]+)-)identity_account_/
          .exec(String(g.member))
          ?.slice(1)
          .find(Boolean) ?? String(g.member),
        g,
      ]),
    );
    // The sweep ingests again uploads that have no final row: it creates what ingest creates.
    expect([...byFunction.keys()].sort()).toEqual(['ingest', 'publish-outputs', 'stitch-solve', 'sweep']);
    for (const g of onResults) expect(g.role).toBe('roles/storage.objectCreator');
    const condition = (slug: string) => field(byFunction.get(slug) ?? {}, 'condition');
    const bucket =
      /^resource\.name\.startsWith\("projects\/_\/buckets\/(\$\{google_storage_bucket\.buckets_results_[0-9A-F]+\.name\})\/objects\//.exec(
        String(condition('ingest').expression),
      )?.[1];
    expect(bucket).toBeDefined();
    const objects = `projects/_/buckets/${bucket}/objects/`;
    expect(condition('ingest').expression).toBe(`resource.name.startsWith("${objects}datasets/")`);
    expect(condition('sweep').expression).toBe(`resource.name.startsWith("${objects}datasets/")`);
    const mosaics = `resource.name.extract("${objects}outputs/{datasetId}/mosaics/")`;
    expect(condition('publish-outputs').expression).toBe(
      `resource.name.startsWith("${objects}outputs/") && ${mosaics} == ""`,
    );
    expect(condition('stitch-solve').expression).toBe(
      `resource.name.startsWith("${objects}outputs/") && ${mosaics} != ""`,
    );
    // Every object name the pipeline creates in the results bucket has exactly one writer.
    const names: Record<string, string> = {
      'datasets/D1/images/I1.tif': 'ingest',
      'outputs/D1/v1/r5/shifts.json': 'publish-outputs',
      'outputs/D1/v1/r5/registered/frame_00.tif': 'publish-outputs',
      'outputs/D1/v1/r5/registered.ome.zarr/0/c/0/0/0/0': 'publish-outputs',
      'outputs/D1/v2/r9/stack_corrected.ome.tif': 'publish-outputs',
      'outputs/D1/mosaics/v1/mosaic.ome.tif': 'stitch-solve',
      'outputs/D1/mosaics/v1/positions.csv': 'stitch-solve',
    };
    for (const [name, writer] of Object.entries(names)) {
      const allowed = ['ingest', 'publish-outputs', 'stitch-solve'].filter((slug) =>
        evaluateCondition(String(condition(slug).expression), `${objects}${name}`),
      );
      expect(allowed, name).toEqual([writer]);
    }
    expect(
      ['publish-outputs', 'stitch-solve'].filter((slug) =>
        evaluateCondition(String(condition(slug).expression), `${objects}uploads/x.tif`),
      ),
    ).toEqual([]);
  });

  it('lets the sweep read uploads (to ingest again those with no final row) and canonical images', () => {
    const buckets = grantsTo(/recovery_sweep-identity_account_[0-9A-F]+\.member\}$/)
      .filter((g) => g.type === 'google_storage_bucket_iam_member')
      .map((g) => `${/buckets_(\w+?)_/.exec(g.target)?.[1]}:${String(g.role)}`);
    expect(buckets.sort()).toEqual([
      'results:roles/storage.objectCreator',
      'results:roles/storage.objectViewer',
      'uploads:roles/storage.objectViewer',
    ]);
  });

  it("lets the sweep publish tiles, aggregations, the outputs of the jobs it fails, and stalled mosaics' edges and solves", () => {
    const topics = grantsTo(/recovery_sweep-identity_account_[0-9A-F]+\.member\}$/)
      .filter((g) => g.type === 'google_pubsub_topic_iam_member')
      .map((g) => `${/pubsub_([\w-]+?)_[0-9A-F]+\./.exec(g.target)?.[1]}:${String(g.role)}`);
    expect(topics.sort()).toEqual([
      'aggregate:roles/pubsub.publisher',
      'edges:roles/pubsub.publisher',
      'mosaics:roles/pubsub.publisher',
      'outputs:roles/pubsub.publisher',
      'tiles:roles/pubsub.publisher',
    ]);
  });

  it('limits the Cloud SQL roles to the Met-db instance by an IAM condition', () => {
    const sqlGrants = resourcesOf(stack.json, 'google_project_iam_member').filter((g) =>
      String(g.role).startsWith('roles/cloudsql.'),
    );
    expect(sqlGrants).toHaveLength(20); // nine functions and the migrator
    for (const grant of sqlGrants) {
      expect(field(grant, 'condition').expression).toBe(
        'resource.type == "sqladmin.googleapis.com/Instance" && ' +
          'resource.name == "projects/metdb-prod/instances/metdb-prod-mysql"',
      );
    }
  });

  it('lets the push account only invoke the Pub/Sub-triggered functions', () => {
    const grants = grantsTo(/google_service_account\.push-account\.member/);
    expect(grants).toHaveLength(9); // the seven pipeline functions, sweep and deadLetter
    for (const grant of grants) {
      expect(grant.type).toBe('google_cloud_run_v2_service_iam_member');
      expect(grant.role).toBe('roles/run.invoker');
      expect(grant.target).toMatch(/google_cloudfunctions2_function\..*\.service_config\[0\]\.service/);
    }
  });

  it('gives the Pub/Sub and GCS service agents what dead-lettering and notifications need', () => {
    const pubsubAgent = grantsTo(/@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/);
    expect(pubsubAgent.filter((g) => g.role === 'roles/pubsub.publisher').map((g) => g.target)).toEqual([
      expect.stringMatching(/pubsub_dead-letter_/) as string,
    ]);
    const subscriber = pubsubAgent.filter((g) => g.role === 'roles/pubsub.subscriber');
    expect(subscriber).toHaveLength(7);
    expect(subscriber.every((g) => /_push_[0-9A-F]+\.name\}$/.test(g.target))).toBe(true);
    expect(pubsubAgent).toHaveLength(8);
    const gcsAgent = grantsTo(/data\.google_storage_project_service_account\./);
    expect(gcsAgent).toEqual([
      {
        type: 'google_pubsub_topic_iam_member',
        role: 'roles/pubsub.publisher',
        target: expect.stringMatching(/pubsub_uploads_/) as string,
      },
    ]);
  });

  it('protects the prod database from deletion and keeps it highly available', () => {
    const [instance] = resourcesOf(stack.json, 'google_sql_database_instance');
    expect(instance?.deletion_protection).toBe(true);
    const settings = field(instance ?? {}, 'settings');
    expect(settings.deletion_protection_enabled).toBe(true);
    expect(settings.availability_type).toBe('REGIONAL');
    for (const bucket of resourcesOf(stack.json, 'google_storage_bucket')) {
      expect(bucket.public_access_prevention).toBe('enforced');
      // No bucket, the functions' sources included, may be emptied by a destroy in prod.
      expect(bucket.force_destroy, String(bucket.name)).toBe(false);
    }
  });
});

describe('infra network and sizing (prod)', () => {
  it('gives Cloud SQL a private IP only, reached through a VPC connector', () => {
    const [instance] = resourcesOf(stack.json, 'google_sql_database_instance');
    const ip = field(field(instance ?? {}, 'settings'), 'ip_configuration');
    expect(ip.ipv4_enabled).toBe(false);
    expect(String(ip.private_network)).toMatch(/^\$\{google_compute_network\..*\.id\}$/);
    expect(ip.authorized_networks ?? []).toEqual([]);
    expect(instance?.depends_on).toContainEqual(
      expect.stringMatching(/^google_service_networking_connection\./),
    );
    const [range] = resourcesOf(stack.json, 'google_compute_global_address');
    expect(range).toMatchObject({ purpose: 'VPC_PEERING', address_type: 'INTERNAL' });
    const [connector] = resourcesOf(stack.json, 'google_vpc_access_connector');
    expect(connector?.ip_cidr_range).toBe('10.8.0.0/28');
    for (const fn of resourcesOf(stack.json, 'google_cloudfunctions2_function')) {
      const service = field(fn, 'service_config');
      expect(String(service.vpc_connector)).toMatch(/^\$\{google_vpc_access_connector\..*\.id\}$/);
      expect(service.vpc_connector_egress_settings).toBe('PRIVATE_RANGES_ONLY');
      expect(field(service, 'environment_variables').METDB_DB_IP_TYPE).toBe('PRIVATE');
    }
  });

  it("sizes each function's memory from the pixel limit it is given", () => {
    const maxPixels = stack.config.images.maxPixels;
    for (const spec of Object.values(FUNCTION_SPECS)) {
      const fn = resourcesOf(stack.json, 'google_cloudfunctions2_function').find(
        (f) => f.name === `metdb-prod-${spec.slug}`,
      );
      const service = field(fn ?? {}, 'service_config');
      expect(field(service, 'environment_variables').METDB_MAX_PIXELS).toBe(String(maxPixels));
      const memory = String(service.available_memory);
      const mib = Number.parseInt(memory, 10) * (memory.endsWith('Gi') ? 1024 : 1);
      expect(mib, spec.name).toBeGreaterThanOrEqual(memoryMibFor(maxPixels, spec.imagesHeld));
    }
  });

  it('leaves DDL to the migrator: functions do not migrate, only the deployer may run migrate', () => {
    const functions = resourcesOf(stack.json, 'google_cloudfunctions2_function');
    const migrate = functions.find((f) => f.name === 'metdb-prod-migrate');
    for (const fn of functions.filter((f) => f !== migrate)) {
      const env = field(field(fn, 'service_config'), 'environment_variables');
      expect(env.METDB_MIGRATE_AT_START, String(fn.name)).toBe('false');
      expect(env.METDB_GRANT_DML_TO).toBeUndefined();
    }
    const env = field(field(migrate ?? {}, 'service_config'), 'environment_variables');
    expect(env.METDB_DB_USER).toBe('metdb-prod-migrator@metdb-prod.iam');
    expect(String(env.METDB_GRANT_DML_TO).split(',').sort()).toEqual(
      [...Object.values(FUNCTION_SPECS).map((s) => s.slug), 'sweep', 'dead-letter']
        .map((slug) => `metdb-prod-${slug}@metdb-prod.iam`)
        .sort(),
    );
    const invokers = resourcesOf(stack.json, 'google_cloud_run_v2_service_iam_member').filter((g) =>
      /google_cloudfunctions2_function\.migrate_function/.test(String(g.name)),
    );
    expect(invokers.map((g) => g.member)).toEqual([
      'serviceAccount:metdb-deployer@metdb-prod.iam.gserviceaccount.com',
    ]);
  });

  it('raises memory and vCPUs with a larger pixel limit', () => {
    const config = { ...ENVIRONMENTS.prod, images: { maxPixels: 4e8 } };
    expect(functionSizing(config, FUNCTION_SPECS.registerTile)).toEqual({ memory: '8Gi', cpu: '2' });
    expect(functionSizing(config, FUNCTION_SPECS.reprocess)).toEqual({ memory: '512Mi', cpu: '1' });
    expect(() => functionSizing({ ...config, images: { maxPixels: 2e9 } }, FUNCTION_SPECS.aggregate)).toThrow(
      /needs more memory than a function has/,
    );
  });
});

/** The grants each function must have, written out so that widening one is a visible change. */
const LEAST_PRIVILEGE: Readonly<Record<FunctionName, { buckets: string[]; topics: string[] }>> = {
  ingest: {
    // Creates canonical objects (never overwrites them): objectCreator, not objectAdmin.
    buckets: [
      'results:roles/storage.objectCreator',
      'results:roles/storage.objectViewer',
      'uploads:roles/storage.objectViewer',
    ],
    topics: ['edges:roles/pubsub.publisher', 'tiles:roles/pubsub.publisher'],
  },
  registerTile: {
    buckets: ['results:roles/storage.objectViewer'],
    topics: ['aggregate:roles/pubsub.publisher'],
  },
  aggregate: {
    buckets: ['results:roles/storage.objectViewer'],
    topics: ['outputs:roles/pubsub.publisher'],
  },
  reprocess: { buckets: ['uploads:roles/storage.objectViewer'], topics: ['tiles:roles/pubsub.publisher'] },
  // Creates the outputs under outputs/ (never overwrites them); reads canonical images.
  publishOutputs: {
    buckets: ['results:roles/storage.objectCreator', 'results:roles/storage.objectViewer'],
    topics: [],
  },
  stitchEdge: {
    buckets: ['results:roles/storage.objectViewer'],
    topics: ['mosaics:roles/pubsub.publisher'],
  },
  // Creates the mosaic's outputs (never overwrites them): objectCreator, not objectAdmin.
  stitchSolve: {
    buckets: ['results:roles/storage.objectCreator', 'results:roles/storage.objectViewer'],
    topics: [],
  },
};
