import type { Construct } from 'constructs';
import { GcsBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { FunctionName, MetdbInfraConfig } from './config.js';
import { checkConfig } from './check-config.js';
import { FUNCTION_NAMES } from './config.js';
import { FUNCTION_SPECS } from './function-specs.js';
import { ProjectApis } from './constructs/project-apis.js';
import { StorageBuckets } from './constructs/storage-buckets.js';
import { PipelineTopics } from './constructs/pipeline-topics.js';
import { CloudSqlDatabase } from './constructs/cloud-sql-database.js';
import { PrivateNetwork } from './constructs/private-network.js';
import { MigrateFunction } from './constructs/migrate-function.js';
import { RecoveryFunctions } from './constructs/recovery-functions.js';
import { FunctionSource } from './constructs/function-source.js';
import { ServiceIdentity } from './constructs/service-identity.js';
import { PipelineFunction } from './constructs/pipeline-function.js';
import type { FunctionContext } from './constructs/function-context.js';

/**
 * The whole Google Cloud deployment of Met-db for one environment: buckets, topics with their
 * dead-letter path, Cloud SQL, the four gen2 functions with their push subscriptions, and the
 * service accounts. The stack is named `metdb-<environment>`; its Terraform JSON lands in
 * `cdktf.out/stacks/metdb-<environment>/cdk.tf.json`.
 */
export class MetdbStack extends TerraformStack {
  readonly functions: Readonly<Record<FunctionName, PipelineFunction>>;

  constructor(scope: Construct, id: string, config: MetdbInfraConfig) {
    super(scope, id);
    checkConfig(config);
    const { project, region, namePrefix, labels } = config;
    new GoogleProvider(this, 'google', { project, region, defaultLabels: { ...labels } });
    if (config.stateBucket !== undefined) {
      new GcsBackend(this, { bucket: config.stateBucket, prefix: `metdb/${config.environment}` });
    }

    const apis = new ProjectApis(this, 'apis', project).services;
    const projectData = new DataGoogleProject(this, 'project', { projectId: project });
    const pubsubServiceAgent = `serviceAccount:service-${projectData.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;

    const buckets = new StorageBuckets(this, 'buckets', config, [...apis]);
    const pipeline = new PipelineTopics(this, 'pubsub', {
      config,
      uploadBucket: buckets.uploads,
      pubsubServiceAgent,
      dependsOn: [...apis],
    });
    const network = new PrivateNetwork(this, 'network', config, [...apis]);
    const sql = new CloudSqlDatabase(this, 'sql', config, network, [...apis]);
    const source = new FunctionSource(this, 'source', {
      directory: config.functionsSourceDir,
      bucket: buckets.sources,
    });

    // Cloud Build runs as this account, not as the project's default compute account.
    const build = new ServiceIdentity(this, 'build', {
      project,
      accountId: `${namePrefix}-build`,
      displayName: 'Met-db functions build',
      projectRoles: [
        { role: 'roles/logging.logWriter' },
        { role: 'roles/artifactregistry.writer' },
        {
          // The functions' build copies sources through Google-managed `gcf-v2-*` buckets.
          role: 'roles/storage.objectAdmin',
          condition: {
            title: 'gcf-managed-buckets-only',
            expression: 'resource.name.startsWith("projects/_/buckets/gcf-v2-")',
          },
        },
      ],
      dependsOn: [...apis],
    });
    const buildSourceReader = new StorageBucketIamMember(this, 'build-sources-reader', {
      bucket: buckets.sources.name,
      role: 'roles/storage.objectViewer',
      member: build.account.member,
    });
    // Pub/Sub signs its OIDC push tokens as this account; it may only invoke the functions.
    const push = new ServiceAccount(this, 'push-account', {
      project,
      accountId: `${namePrefix}-push`,
      displayName: 'Met-db Pub/Sub push (invokes the functions)',
      dependsOn: [...apis],
    });

    const context: FunctionContext = {
      config,
      source,
      buildAccount: build.account,
      pushAccount: push,
      database: sql,
      network,
      uploadBucket: buckets.uploads,
      resultsBucket: buckets.results,
      topics: pipeline.topics,
      deadLetter: pipeline.deadLetter,
      dependsOn: [...apis, ...build.grants, buildSourceReader],
    };
    this.functions = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        new PipelineFunction(this, `fn-${FUNCTION_SPECS[name].slug}`, {
          ...context,
          spec: FUNCTION_SPECS[name],
          pubsubServiceAgent,
        }),
      ]),
    ) as Record<FunctionName, PipelineFunction>;

    const recovery = new RecoveryFunctions(this, 'recovery', context);
    const migrate = new MigrateFunction(this, 'migrate', {
      config,
      source,
      buildAccount: build.account,
      database: sql,
      network,
      functionDbUsers: [
        ...FUNCTION_NAMES.map((name) => `${namePrefix}-${FUNCTION_SPECS[name].slug}@${project}.iam`),
        ...['sweep', 'dead-letter'].map((slug) => `${namePrefix}-${slug}@${project}.iam`),
      ],
      invoker: `serviceAccount:${config.deployServiceAccount}`,
      dependsOn: [...apis, ...build.grants, buildSourceReader],
    });

    const output = (id: string, value: string, description: string): void => {
      new TerraformOutput(this, id, { value, description });
    };
    output('upload_bucket', buckets.uploads.name, 'Drop images here: gs://<bucket>/<dataset>/...');
    output('results_bucket', buckets.results.name, 'Registered images, stacks and QC reports');
    output('cloudsql_connection_name', sql.instance.connectionName, 'For the Cloud SQL Auth Proxy');
    output('database_name', sql.database.name, 'Application database');
    for (const [name, topic] of Object.entries(pipeline.topics)) {
      output(`${name}_topic`, topic.name, `Pub/Sub topic '${name}'`);
    }
    output('dead_letter_topic', pipeline.deadLetter.name, 'Messages that exhausted their deliveries');
    output('dead_letter_subscription', pipeline.deadLetterPull.name, 'Pull here to read dead letters');
    for (const name of FUNCTION_NAMES) {
      const fn = this.functions[name];
      output(
        `${FUNCTION_SPECS[name].slug.replace(/-/g, '_')}_url`,
        fn.function.serviceConfig.uri,
        `${name} URL`,
      );
      output(
        `${FUNCTION_SPECS[name].slug.replace(/-/g, '_')}_db_user`,
        fn.dbUser.name,
        `MySQL IAM user of ${name} (grant it privileges on the database)`,
      );
    }
    output(
      'sweep_topic',
      recovery.sweepTopic.name,
      'Publish {} here to sweep now (Cloud Scheduler does every 5 min)',
    );
    output('migrate_url', migrate.function.serviceConfig.uri, 'POST here (as the deployer) to migrate');
    output('migrator_db_user', migrate.dbUser.name, 'MySQL IAM user of the migrator (grant it ALL once)');
    output('region', region, 'Region of the deployment');
  }
}
