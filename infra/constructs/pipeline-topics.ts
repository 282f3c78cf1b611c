import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { StorageNotification } from '@cdktf/provider-google/lib/storage-notification/index.js';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { MetdbInfraConfig } from '../config.js';
import type { TopicName } from '../function-specs.js';
import { TOPIC_NAMES } from '../function-specs.js';

export interface PipelineTopicsProps {
  readonly config: MetdbInfraConfig;
  /** Bucket whose finalized objects are announced on the `uploads` topic. */
  readonly uploadBucket: StorageBucket;
  /** `serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`. */
  readonly pubsubServiceAgent: string;
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The topics, the upload notification and the dead-letter path.
 *
 * One dead-letter topic serves every subscription: Pub/Sub stamps each dead letter with the
 * attribute `CloudPubSubDeadLetterSourceSubscription`, so the origin is never lost, and an
 * operator reads one pull subscription (`<prefix>-dead-letter-pull`) instead of four.
 */
export class PipelineTopics extends Construct {
  readonly topics: Readonly<Record<TopicName, PubsubTopic>>;
  readonly deadLetter: PubsubTopic;
  readonly deadLetterPull: PubsubSubscription;
  readonly uploadNotification: StorageNotification;

  constructor(scope: Construct, id: string, props: PipelineTopicsProps) {
    super(scope, id);
    const { config, uploadBucket, pubsubServiceAgent, dependsOn } = props;
    const { project, namePrefix, labels } = config;
    const topic = (name: string): PubsubTopic =>
      new PubsubTopic(this, name, {
        project,
        name: `${namePrefix}-${name}`,
        labels: { ...labels },
        dependsOn,
      });
    this.topics = Object.fromEntries(TOPIC_NAMES.map((name) => [name, topic(name)])) as Record<
      TopicName,
      PubsubTopic
    >;
    this.deadLetter = topic('dead-letter');

    // Dead-lettering publishes as the Pub/Sub service agent.
    new PubsubTopicIamMember(this, 'dead-letter-agent-publisher', {
      project,
      topic: this.deadLetter.name,
      role: 'roles/pubsub.publisher',
      member: pubsubServiceAgent,
    });
    this.deadLetterPull = new PubsubSubscription(this, 'dead-letter-pull', {
      project,
      name: `${namePrefix}-dead-letter-pull`,
      topic: this.deadLetter.id,
      ackDeadlineSeconds: 60,
      messageRetentionDuration: config.pubsub.deadLetterRetention,
      retainAckedMessages: false,
      expirationPolicy: { ttl: '' },
      labels: { ...labels },
    });

    // GCS publishes object notifications as its own service agent.
    const gcsAgent = new DataGoogleStorageProjectServiceAccount(this, 'gcs-agent', { project });
    const gcsPublisher = new PubsubTopicIamMember(this, 'uploads-gcs-publisher', {
      project,
      topic: this.topics.uploads.name,
      role: 'roles/pubsub.publisher',
      member: `serviceAccount:${gcsAgent.emailAddress}`,
    });
    this.uploadNotification = new StorageNotification(this, 'uploads-notification', {
      bucket: uploadBucket.name,
      topic: this.topics.uploads.id,
      payloadFormat: 'JSON_API_V1',
      eventTypes: ['OBJECT_FINALIZE'],
      dependsOn: [gcsPublisher],
    });
  }
}
