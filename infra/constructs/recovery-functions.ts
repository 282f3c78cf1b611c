import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import type { MetdbInfraConfig } from '../config.js';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import type { SqlUser } from '@cdktf/provider-google/lib/sql-user/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { TopicName } from '../function-specs.js';
import { nodeBuild } from './function-source.js';
import { databaseClientRoles, iamDatabaseUser } from './database-client.js';
import { pushSubscription } from './push-subscription.js';
import { ServiceIdentity } from './service-identity.js';
import type { FunctionContext } from './function-context.js';
import { functionEnvironment } from './function-environment.js';
import { RECOVERY_MAX_INSTANCES } from '../connection-budget.js';
import { FUNCTION_SPECS } from '../function-specs.js';
import { functionSizing } from './pipeline-function.js';

export type RecoveryFunctionsProps = FunctionContext;

/** Minutes between two sweeps, and how long a job must have stalled to be re-driven. */
const SWEEP_SCHEDULE = 'every 5 minutes';
const STALLED_AFTER_S = '600';

/**
 * What makes the deployment converge (docs/operations.md): Cloud Scheduler -> the `sweep` topic
 * -> the `sweep` function (re-drives stalled jobs and mosaics: publishes tiles, aggregations,
 * edges and solves, reads canonical images to rebuild tile messages; ingests again the uploads
 * that have no final row,
 * so it lists and reads the upload bucket and creates canonical images under `datasets/` as
 * `ingest` does, sized like it), and the `deadLetter` function consuming the
 * dead-letter topic (records each dead letter). One instance each; their push subscriptions have
 * no dead-letter policy of their own (a dead letter of the dead-letter consumer would loop).
 */
export class RecoveryFunctions extends Construct {
  readonly sweepTopic: PubsubTopic;
  readonly functions: Cloudfunctions2Function[] = [];
  readonly dbUsers: SqlUser[] = [];

  constructor(scope: Construct, id: string, props: RecoveryFunctionsProps) {
    super(scope, id);
    const { config } = props;
    const { project, region, namePrefix, labels } = config;
    this.sweepTopic = new PubsubTopic(this, 'sweep-topic', {
      project,
      name: `${namePrefix}-sweep`,
      labels: { ...labels },
      dependsOn: props.dependsOn,
    });
    new CloudSchedulerJob(this, 'sweep-schedule', {
      project,
      region,
      name: `${namePrefix}-sweep`,
      description: 'Re-drives stalled Met-db jobs (the sweep function)',
      schedule: SWEEP_SCHEDULE,
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: this.sweepTopic.id,
        data: Buffer.from('{"schemaVersion":1}').toString('base64'),
      },
      dependsOn: props.dependsOn,
    });
    // The sweep announces the jobs it fails on the outputs topic, as aggregate does the others,
    // and re-drives stalled mosaics: their edges, their solve.
    this.add(props, 'sweep', 'sweep', this.sweepTopic, ['tiles', 'aggregate', 'outputs', 'edges', 'mosaics']);
    this.add(props, 'dead-letter', 'deadLetter', props.deadLetter, []);
  }

  private add(
    props: RecoveryFunctionsProps,
    slug: string,
    entryPoint: string,
    trigger: PubsubTopic,
    publishes: readonly TopicName[],
  ): void {
    const { config, database, topics } = props;
    const { project, region, namePrefix, labels } = config;
    const accountId = `${namePrefix}-${slug}`;
    const identity = new ServiceIdentity(this, `${slug}-identity`, {
      project,
      accountId,
      displayName: `Met-db ${entryPoint} function`,
      projectRoles: databaseClientRoles(config),
      dependsOn: props.dependsOn,
    });
    const grants: ITerraformDependable[] = [...identity.grants];
    for (const topic of publishes) {
      grants.push(
        new PubsubTopicIamMember(this, `${slug}-publish-${topic}`, {
          project,
          topic: topics[topic].name,
          role: 'roles/pubsub.publisher',
          member: identity.account.member,
        }),
      );
    }
    if (publishes.includes('tiles')) {
      grants.push(
        new StorageBucketIamMember(this, `${slug}-results-objectViewer`, {
          bucket: props.resultsBucket.name,
          role: 'roles/storage.objectViewer',
          member: identity.account.member,
        }),
      );
    }
    if (slug === 'sweep') {
      // Re-ingesting an upload: what `ingest` may do, no more (read uploads, create under datasets/).
      grants.push(
        new StorageBucketIamMember(this, `${slug}-uploads-objectViewer`, {
          bucket: props.uploadBucket.name,
          role: 'roles/storage.objectViewer',
          member: identity.account.member,
        }),
        new StorageBucketIamMember(this, `${slug}-results-objectCreator`, {
          bucket: props.resultsBucket.name,
          role: 'roles/storage.objectCreator',
          member: identity.account.member,
          condition: {
            title: 'create-under-datasets-only',
            expression: `resource.name.startsWith("projects/_/buckets/${props.resultsBucket.name}/objects/datasets/")`,
          },
        }),
      );
    }
    const dbUser = iamDatabaseUser(this, `${slug}-db-user`, { config, database, accountId });
    this.dbUsers.push(dbUser);
    const fn = new Cloudfunctions2Function(this, `${slug}-function`, {
      project,
      location: region,
      name: `${namePrefix}-${slug}`,
      description: slug === 'sweep' ? 'Re-drives stalled jobs (scheduled)' : 'Records dead-lettered messages',
      labels: { ...labels, function: slug },
      buildConfig: nodeBuild(props.source, props.buildAccount, entryPoint),
      serviceConfig: {
        serviceAccountEmail: identity.account.email,
        availableMemory: slug === 'sweep' ? sweepSizing(config).memory : '512Mi',
        availableCpu: slug === 'sweep' ? sweepSizing(config).cpu : '1',
        timeoutSeconds: 540,
        maxInstanceCount: RECOVERY_MAX_INSTANCES, // counted in the connection budget
        minInstanceCount: 0,
        maxInstanceRequestConcurrency: 1,
        ingressSettings: config.ingress,
        allTrafficOnLatestRevision: true,
        vpcConnector: props.network.connector.id,
        vpcConnectorEgressSettings: 'PRIVATE_RANGES_ONLY',
        environmentVariables: {
          ...functionEnvironment(props, accountId),
          ...(slug === 'sweep' ? { METDB_SWEEP_STALLED_AFTER_S: STALLED_AFTER_S } : {}),
        },
      },
      dependsOn: [...props.dependsOn, ...grants, dbUser, database.database],
    });
    this.functions.push(fn);
    pushSubscription(this, `${slug}-`, {
      config,
      slug,
      topic: trigger,
      function: fn,
      pushAccount: props.pushAccount,
      ackDeadlineSeconds: 540,
    });
  }
}

/** The sweep's memory and vCPUs: 2 GiB and 1, or what `ingest` has when more (it ingests uploads again). */
export function sweepSizing(config: MetdbInfraConfig): { memory: string; cpu: string } {
  const ingest = functionSizing(config, FUNCTION_SPECS.ingest);
  const mib = (m: string) => Number.parseInt(m, 10) * (m.endsWith('Gi') ? 1024 : 1);
  return {
    memory: mib(ingest.memory) > 2048 ? ingest.memory : '2Gi',
    cpu: String(Math.max(1, Number(ingest.cpu))),
  };
}
