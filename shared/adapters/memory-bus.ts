import type { Bus, MessageAttributes, TopicName } from '../ports/bus.js';

export interface PublishedMessage {
  readonly id: string;
  readonly topic: TopicName;
  /** The message as the consumer would receive it: a JSON round trip of what was published. */
  readonly message: unknown;
  readonly attributes: MessageAttributes;
}

/**
 * A `Bus` that keeps what is published in memory, in order, for use-case tests and the local
 * runner's queue. Messages are JSON round-tripped, as on the wire, so non-JSON values fail here too.
 */
export class MemoryBus implements Bus {
  readonly published: PublishedMessage[] = [];
  private nextId = 1;

  publish(topic: TopicName, message: unknown, attributes: MessageAttributes = {}): Promise<string> {
    const id = String(this.nextId++);
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    this.published.push({ id, topic, message: wire, attributes: { ...attributes } });
    return Promise.resolve(id);
  }

  /** Removes and returns the messages published to `topic` so far. */
  take(topic: TopicName): PublishedMessage[] {
    const taken = this.published.filter((m) => m.topic === topic);
    const kept = this.published.filter((m) => m.topic !== topic);
    this.published.splice(0, this.published.length, ...kept);
    return taken;
  }
}
