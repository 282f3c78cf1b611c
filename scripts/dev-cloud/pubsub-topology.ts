import { PubSub, type Message } from '@google-cloud/pubsub';

export interface TopicSpec {
  /** Topic id, e.g. `metdb-tiles-<random>`. */
  topic: string;
  /**
   * Base URL of the function to push to (`http://127.0.0.1:<port>`); the subscription's endpoint is
   * `<base>/projects/<p>/topics/<topic>`, from which functions-framework takes the event source.
   * Absent: a pull subscription `<topic>-pull`.
   */
  pushTo?: string;
  /** @default 10 */
  ackDeadlineSeconds?: number;
  /** Retry backoff bounds in seconds. @default { min: 0.1, max: 0.5 } */
  backoff?: { min: number; max: number };
  /** Dead-letter after this many deliveries (`<topic>-dead-letter` topic, `<topic>-dead-letter-pull` subscription). @default 5 */
  maxDeliveryAttempts?: number | 'none';
}

export interface Topology {
  readonly projectId: string;
  readonly pubsub: PubSub;
  /** The subscription id that feeds each topic's consumer. */
  subscriptionOf(topic: string): string;
  /** Waits until `count` messages arrived in the topic's dead-letter subscription (acks and returns them). */
  deadLettered(topic: string, count: number, timeoutMs?: number): Promise<Message[]>;
  /** Waits for `count` messages on the pull subscription of a topic without `pushTo` (acks and returns them). */
  pulled(topic: string, count: number, timeoutMs?: number): Promise<Message[]>;
  /** Deletes what `createTopology` made and closes the client. */
  destroy(): Promise<void>;
}

/**
 * Topics and subscriptions on the emulator the way infra/ deploys them: each topic gets a push
 * subscription (direct Pub/Sub trigger) with a retry policy and a dead-letter policy to
 * `<topic>-dead-letter`, which has a pull subscription for inspection. Use unique topic ids per
 * test file: a reused emulator is shared.
 */
export async function createTopology(
  emulatorHost: string,
  projectId: string,
  specs: TopicSpec[],
): Promise<Topology> {
  const pubsub = new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true });
  const made: { topics: string[]; subscriptions: string[] } = { topics: [], subscriptions: [] };
  const subscriptionOf = new Map<string, string>();

  for (const spec of specs) {
    const [topic] = await pubsub.createTopic(spec.topic);
    made.topics.push(spec.topic);
    const attempts = spec.maxDeliveryAttempts ?? 5;
    let deadLetterPolicy;
    if (attempts !== 'none') {
      const deadTopic = `${spec.topic}-dead-letter`;
      const [dead] = await pubsub.createTopic(deadTopic);
      made.topics.push(deadTopic);
      await dead.createSubscription(`${deadTopic}-pull`, { ackDeadlineSeconds: 10 });
      made.subscriptions.push(`${deadTopic}-pull`);
      deadLetterPolicy = {
        deadLetterTopic: `projects/${projectId}/topics/${deadTopic}`,
        maxDeliveryAttempts: attempts,
      };
    }
    const backoff = spec.backoff ?? { min: 0.1, max: 0.5 };
    const name = spec.pushTo === undefined ? `${spec.topic}-pull` : `${spec.topic}-push`;
    await topic.createSubscription(name, {
      ackDeadlineSeconds: spec.ackDeadlineSeconds ?? 10,
      retryPolicy: { minimumBackoff: duration(backoff.min), maximumBackoff: duration(backoff.max) },
      ...(deadLetterPolicy === undefined ? {} : { deadLetterPolicy }),
      ...(spec.pushTo === undefined
        ? {}
        : { pushConfig: { pushEndpoint: `${spec.pushTo}/projects/${projectId}/topics/${spec.topic}` } }),
    });
    made.subscriptions.push(name);
    subscriptionOf.set(spec.topic, name);
  }

  const receive = (subscription: string, count: number, timeoutMs: number): Promise<Message[]> =>
    pullAll(pubsub, subscription, count, timeoutMs);

  return {
    projectId,
    pubsub,
    subscriptionOf: (topic) => {
      const name = subscriptionOf.get(topic);
      if (name === undefined) throw new Error(`no subscription for topic ${topic}`);
      return name;
    },
    deadLettered: (topic, count, timeoutMs = 30_000) =>
      receive(`${topic}-dead-letter-pull`, count, timeoutMs),
    pulled: (topic, count, timeoutMs = 30_000) => receive(`${topic}-pull`, count, timeoutMs),
    destroy: async () => {
      for (const s of made.subscriptions)
        await pubsub
          .subscription(s)
          .delete()
          .catch(() => undefined);
      for (const t of made.topics)
        await pubsub
          .topic(t)
          .delete()
          .catch(() => undefined);
      await pubsub.close();
    },
  };
}

function duration(seconds: number): { seconds: number; nanos: number } {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}

/** Receives (and acks) `count` messages from a pull subscription, failing after `timeoutMs`. */
export async function pullAll(
  pubsub: PubSub,
  subscription: string,
  count: number,
  timeoutMs = 30_000,
): Promise<Message[]> {
  const sub = pubsub.subscription(subscription);
  const got: Message[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${subscription}: ${got.length} of ${count} messages within ${timeoutMs} ms`)),
        timeoutMs,
      );
      sub.on('error', reject);
      sub.on('message', (message: Message) => {
        message.ack();
        got.push(message);
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    sub.removeAllListeners();
    await sub.close();
  }
  return got;
}
