import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { BucketAccess, FunctionSpec, TopicName } from '../function-specs.js';
import type { CloudSqlDatabase } from './cloud-sql-database.js';
import type { FunctionSource } from './function-source.js';
import { ServiceIdentity } from './service-identity.js';
import { functionEnvironment } from './function-environment.js';
import type { PrivateNetwork } from './private-network.js';
import { cloudRunSizeFor, memoryMibFor } from '../../shared/pipeline/memory-budget.js';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import { resultsCreateCondition } from '../results-create-condition.js';

export interface PipelineFunctionProps {
  readonly config: MetdbInfraConfig;
  readonly spec: FunctionSpec;
  readonly source: FunctionSource;
  readonly buildAccount: ServiceAccount;
  readonly pushAccount: ServiceAccount;
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`. */
  readonly pubsubServiceAgent: string;
  readonly database: CloudSqlDatabase;
  readonly network: PrivateNetwork;
  readonly uploadBucket: StorageBucket;
  readonly resultsBucket: StorageBucket;
  readonly topics: Readonly<Record<TopicName, PubsubTopic>>;
  readonly deadLetter: PubsubTopic;
  readonly dependsOn: ITerraformDependable[];
}

const BUCKET_ROLES: Readonly<Record<Exclude<BucketAccess, 'none'>, readonly string[]>> = {
  read: ['roles/storage.objectViewer'],
  readCreate: ['roles/storage.objectViewer', 'roles/storage.objectCreator'],
  readWrite: ['roles/storage.objectAdmin'],
};

/** The condition on a function's `objectCreator` on the results bucket (`resultsCreateCondition`). */
function createOnlyUnder(bucket: StorageBucket, spec: FunctionSpec): { title: string; expression: string } {
  if (spec.resultsCreatePrefix === undefined) {
    throw new MetdbError(
      'invalid-value',
      `function ${spec.name}: creating objects in the results bucket needs a resultsCreatePrefix`,
    );
  }
  return resultsCreateCondition(bucket.name, spec.resultsCreatePrefix);
}

/**
 * The function's memory and vCPUs: its configured sizing, raised to what holding `imagesHeld`
 * images of the configured pixel limit needs (memory-budget.ts).
 */
export function functionSizing(
  config: MetdbInfraConfig,
  spec: FunctionSpec,
): { memory: string; cpu: string } {
  const sizing = config.functions[spec.name];
  const needed = cloudRunSizeFor(memoryMibFor(config.images.maxPixels, spec.imagesHeld));
  if (needed === undefined) {
    throw new MetdbError(
      'invalid-value',
      `infra config '${config.environment}': images.maxPixels ${config.images.maxPixels} needs more memory than a function has (${spec.name})`,
    );
  }
  const mib = (m: string) => Number.parseInt(m, 10) * (m.endsWith('Gi') ? 1024 : 1);
  const memory = mib(needed.memory) > mib(sizing.memory) ? needed.memory : sizing.memory;
  const cpu = String(Math.max(Number(sizing.cpu), needed.minCpu));
  return { memory, cpu };
}

/**
 * One gen2 function with everything that is its own: a service account with only the roles the
 * function needs, its Cloud SQL IAM user, and the push subscription that triggers it (direct
 * Pub/Sub trigger: OIDC-authenticated push, exponential retry, dead-letter after
 * `maxDeliveryAttempts`). Concurrency is 1 per instance, so `maxInstances × dbPoolSize` bounds
 * the function's database connections.
 */
export class PipelineFunction extends Construct {
  readonly function: Cloudfunctions2Function;
  readonly identity: ServiceIdentity;
  readonly subscription: PubsubSubscription;
  readonly dbUser: SqlUser;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const { config, spec, database, topics } = props;
    const { project, region, namePrefix, labels } = config;
    const sizing = config.functions[spec.name];
    const size = functionSizing(config, spec);
    const accountId = `${namePrefix}-${spec.slug}`;
    const instanceName = `projects/${project}/instances/${namePrefix}-mysql`;
    const onInstance = {
      title: 'metdb-instance-only',
      expression: `resource.type == "sqladmin.googleapis.com/Instance" && resource.name == "${instanceName}"`,
    };
    this.identity = new ServiceIdentity(this, 'identity', {
      project,
      accountId,
      displayName: `Met-db ${spec.name} function`,
      projectRoles: [
        { role: 'roles/cloudsql.client', condition: onInstance },
        { role: 'roles/cloudsql.instanceUser', condition: onInstance },
        { role: 'roles/logging.logWriter' },
      ],
      dependsOn: props.dependsOn,
    });
    const member = this.identity.account.member;
    const grants: ITerraformDependable[] = [...this.identity.grants];
    for (const [label, bucket, access] of [
      ['uploads', props.uploadBucket, spec.uploadBucket],
      ['results', props.resultsBucket, spec.resultsBucket],
    ] as const) {
      if (access === 'none') continue;
      for (const role of BUCKET_ROLES[access]) {
        grants.push(
          new StorageBucketIamMember(this, `${label}-${role.replace('roles/storage.', '')}`, {
            bucket: bucket.name,
            role,
            member,
            ...(role === 'roles/storage.objectCreator' && label === 'results'
              ? { condition: createOnlyUnder(bucket, spec) }
              : {}),
          }),
        );
      }
    }
    for (const topic of spec.publishes) {
      grants.push(
        new PubsubTopicIamMember(this, `publish-${topic}`, {
          project,
          topic: topics[topic].name,
          role: 'roles/pubsub.publisher',
          member,
        }),
      );
    }
    // The MySQL user of an IAM service account is its email without `.gserviceaccount.com`.
    this.dbUser = new SqlUser(this, 'db-user', {
      project,
      instance: database.instance.name,
      name: `${accountId}@${project}.iam`,
      type: 'CLOUD_IAM_SERVICE_ACCOUNT',
    });

    this.function = new Cloudfunctions2Function(this, 'function', {
      project,
      location: region,
      name: `${namePrefix}-${spec.slug}`,
      description: spec.description,
      labels: { ...labels, function: spec.slug },
      buildConfig: {
        runtime: 'nodejs22',
        entryPoint: spec.entryPoint,
        serviceAccount: props.buildAccount.id,
        source: { storageSource: { bucket: props.source.object.bucket, object: props.source.object.name } },
      },
      serviceConfig: {
        serviceAccountEmail: this.identity.account.email,
        availableMemory: size.memory,
        availableCpu: size.cpu,
        timeoutSeconds: sizing.timeoutSeconds,
        maxInstanceCount: sizing.maxInstances,
        minInstanceCount: sizing.minInstances,
        maxInstanceRequestConcurrency: 1,
        ingressSettings: config.ingress,
        // Cloud SQL has a private IP only: its range goes through the VPC connector.
        vpcConnector: props.network.connector.id,
        vpcConnectorEgressSettings: 'PRIVATE_RANGES_ONLY',
        allTrafficOnLatestRevision: true,
        environmentVariables: functionEnvironment({
          config,
          accountId,
          connectionName: database.instance.connectionName,
          uploadBucket: props.uploadBucket.name,
          resultsBucket: props.resultsBucket.name,
          topics,
        }),
      },
      dependsOn: [...props.dependsOn, ...grants, this.dbUser, database.database],
    });

    const invoker = new CloudRunV2ServiceIamMember(this, 'push-invoker', {
      project,
      location: region,
      name: this.function.serviceConfig.service,
      role: 'roles/run.invoker',
      member: props.pushAccount.member,
    });
    const uri = this.function.serviceConfig.uri;
    const triggerTopic = topics[spec.trigger];
    this.subscription = new PubsubSubscription(this, 'push', {
      project,
      name: `${namePrefix}-${spec.slug}-push`,
      topic: triggerTopic.id,
      labels: { ...labels },
      // For push, the ack deadline is how long Pub/Sub waits for the function's answer.
      ackDeadlineSeconds: sizing.timeoutSeconds,
      messageRetentionDuration: '604800s',
      expirationPolicy: { ttl: '' },
      retryPolicy: {
        minimumBackoff: config.pubsub.minimumBackoff,
        maximumBackoff: config.pubsub.maximumBackoff,
      },
      deadLetterPolicy: {
        deadLetterTopic: props.deadLetter.id,
        maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
      },
      pushConfig: {
        // functions-framework takes the CloudEvent `source` topic from this path.
        pushEndpoint: `${uri}/projects/${project}/topics/${triggerTopic.name}`,
        oidcToken: { serviceAccountEmail: props.pushAccount.email, audience: uri },
      },
      dependsOn: [invoker],
    });
    // Dead-lettering acknowledges the original as the Pub/Sub service agent.
    new PubsubSubscriptionIamMember(this, 'agent-subscriber', {
      project,
      subscription: this.subscription.name,
      role: 'roles/pubsub.subscriber',
      member: props.pubsubServiceAgent,
    });
  }
}
