import { PubSub, type Topic } from '@google-cloud/pubsub';
import { MetdbError } from '../errors/metdb-error.js';
import type { Bus, MessageAttributes, TopicName } from '../ports/bus.js';
import { topicIdsFromEnv, type TopicIds } from './topic-ids.js';

export interface PubSubBusOptions {
  /** @default process.env.GOOGLE_CLOUD_PROJECT (the client also honours PUBSUB_EMULATOR_HOST) */
  projectId?: string;
  /** Topic ids per logical topic; those not given come from the environment. @default topicIdsFromEnv() */
  topics?: Partial<TopicIds>;
  /** A client to share. @default one client per project and process */
  pubsub?: PubSub;
  /**
   * How long the client may hold a message to batch it with others, in ms. Every `publish` is awaited,
   * so this only delays; a fan-out of many `publish` calls in `Promise.all` shares batches.
   * @default 10
   */
  maxBatchDelayMs?: number;
}

const clients = new Map<string, PubSub>();

/** One `PubSub` client per project for the whole process (function instances reuse it). */
export function sharedPubSubClient(projectId?: string): PubSub {
  const id = projectId ?? '';
  let client = clients.get(id);
  if (client === undefined) {
    client = new PubSub(projectId === undefined ? {} : { projectId });
    clients.set(id, client);
  }
  return client;
}

/**
 * The `Bus` port on Google Cloud Pub/Sub (`@google-cloud/pubsub` 5). Messages are sent as UTF-8 JSON.
 * `publish` resolves with the server's message id once the server has accepted the message, so a
 * function that awaits its publishes leaves no work behind. Failures are transient `MetdbError`s
 * (`unavailable`): the caller's message is redelivered.
 */
export class PubSubBus implements Bus {
  private readonly pubsub: PubSub;
  private readonly topicIds: TopicIds;
  private readonly maxBatchDelayMs: number;
  private readonly topics = new Map<TopicName, Topic>();

  constructor(options: PubSubBusOptions = {}) {
    const projectId = options.projectId ?? (process.env.GOOGLE_CLOUD_PROJECT || undefined);
    this.pubsub = options.pubsub ?? sharedPubSubClient(projectId);
    this.topicIds = { ...topicIdsFromEnv(), ...options.topics };
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? 10;
  }

  async publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    const data = Buffer.from(JSON.stringify(message), 'utf8');
    try {
      return await this.topic(topic).publishMessage({ data, attributes: { ...attributes } });
    } catch (error) {
      throw new MetdbError(
        'unavailable',
        `could not publish to ${this.topicIds[topic]}: ${messageOf(error)}`,
        {
          details: { topic: this.topicIds[topic] },
          cause: error,
        },
      );
    }
  }

  /** Flushes pending batches and closes the client's channels (tests, CLI exit). */
  async close(): Promise<void> {
    await Promise.all([...this.topics.values()].map((t) => t.flush()));
    await this.pubsub.close();
    for (const [id, client] of clients) if (client === this.pubsub) clients.delete(id);
  }

  private topic(name: TopicName): Topic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      topic = this.pubsub.topic(this.topicIds[name], {
        batching: { maxMessages: 100, maxMilliseconds: this.maxBatchDelayMs },
      });
      this.topics.set(name, topic);
    }
    return topic;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
