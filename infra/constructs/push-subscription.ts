import type { Construct } from 'constructs';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { MetdbInfraConfig } from '../config.js';

export interface PushSubscriptionProps {
  readonly config: MetdbInfraConfig;
  /** The function's slug: the subscription is `<prefix>-<slug>-push`. */
  readonly slug: string;
  readonly topic: PubsubTopic;
  readonly function: Cloudfunctions2Function;
  /** The account Pub/Sub pushes as (OIDC), granted `run.invoker` on the function. */
  readonly pushAccount: ServiceAccount;
  /** How long Pub/Sub waits for the function's answer: its timeout. */
  readonly ackDeadlineSeconds: number;
  /** Where a message goes after `maxDeliveryAttempts`; none: retried until it expires. */
  readonly deadLetter?: PubsubTopic;
}

/**
 * The direct Pub/Sub trigger of a gen2 function: an OIDC-authenticated push subscription with
 * exponential retry (and a dead-letter policy when given), and the push account's invoker grant.
 * Construct ids are `<idPrefix>push` and `<idPrefix>push-invoker`.
 */
export function pushSubscription(
  scope: Construct,
  idPrefix: string,
  props: PushSubscriptionProps,
): PubsubSubscription {
  const { config, topic, deadLetter } = props;
  const { project, region, namePrefix, labels } = config;
  const invoker = new CloudRunV2ServiceIamMember(scope, `${idPrefix}push-invoker`, {
    project,
    location: region,
    name: props.function.serviceConfig.service,
    role: 'roles/run.invoker',
    member: props.pushAccount.member,
  });
  const uri = props.function.serviceConfig.uri;
  return new PubsubSubscription(scope, `${idPrefix}push`, {
    project,
    name: `${namePrefix}-${props.slug}-push`,
    topic: topic.id,
    labels: { ...labels },
    ackDeadlineSeconds: props.ackDeadlineSeconds,
    messageRetentionDuration: '604800s',
    expirationPolicy: { ttl: '' },
    retryPolicy: {
      minimumBackoff: config.pubsub.minimumBackoff,
      maximumBackoff: config.pubsub.maximumBackoff,
    },
    ...(deadLetter === undefined
      ? {}
      : {
          deadLetterPolicy: {
            deadLetterTopic: deadLetter.id,
            maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
          },
        }),
    pushConfig: {
      // functions-framework takes the CloudEvent `source` topic from this path.
      pushEndpoint: `${uri}/projects/${project}/topics/${topic.name}`,
      oidcToken: { serviceAccountEmail: props.pushAccount.email, audience: uri },
    },
    dependsOn: [invoker],
  });
}
