import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { MetdbInfraConfig } from '../config.js';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import type { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import type { SqlUser } from '@cdktf/provider-google/lib/sql-user/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { BucketAccess, FunctionSpec } from '../function-specs.js';
import { nodeBuild } from './function-source.js';
import { databaseClientRoles, iamDatabaseUser } from './database-client.js';
import { pushSubscription } from './push-subscription.js';
import { ServiceIdentity } from './service-identity.js';
import type { FunctionContext } from './function-context.js';
import { functionEnvironment } from './function-environment.js';
import { cloudRunSizeFor, memoryMibFor } from '../../shared/pipeline/memory-budget.js';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import { resultsCreateCondition } from '../results-create-condition.js';

export interface PipelineFunctionProps extends FunctionContext {
  readonly spec: FunctionSpec;
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`. */
  readonly pubsubServiceAgent: string;
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
    this.identity = new ServiceIdentity(this, 'identity', {
      project,
      accountId,
      displayName: `Met-db ${spec.name} function`,
      projectRoles: databaseClientRoles(config),
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
    this.dbUser = iamDatabaseUser(this, 'db-user', { config, database, accountId });

    this.function = new Cloudfunctions2Function(this, 'function', {
      project,
      location: region,
      name: `${namePrefix}-${spec.slug}`,
      description: spec.description,
      labels: { ...labels, function: spec.slug },
      buildConfig: nodeBuild(props.source, props.buildAccount, spec.entryPoint),
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
        environmentVariables: functionEnvironment(props, accountId),
      },
      dependsOn: [...props.dependsOn, ...grants, this.dbUser, database.database],
    });

    this.subscription = pushSubscription(this, '', {
      config,
      slug: spec.slug,
      topic: topics[spec.trigger],
      function: this.function,
      pushAccount: props.pushAccount,
      ackDeadlineSeconds: sizing.timeoutSeconds,
      deadLetter: props.deadLetter,
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
