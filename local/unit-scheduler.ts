import type { MessageAttributes, TopicName } from '../shared/ports/bus.js';

/** A message waiting for, or out on, a worker. */
export interface Delivery {
  readonly id: string;
  readonly topic: TopicName;
  /** The message as JSON text (what crosses to the workers). */
  readonly body: string;
  readonly attributes: MessageAttributes;
  attempts: number;
}

export interface UnitSchedulerOptions {
  /** The topics the workers handle, highest priority first. */
  kinds: readonly TopicName[];
  /** Per topic, how many waiting messages make one unit. @default 1 for every topic */
  batchSizes?: Readonly<Partial<Record<TopicName, number>>>;
  /**
   * A message's preferred worker, from its attributes: worker `key % workers` takes it if it is
   * among the next `AFFINITY_WINDOW` waiting messages of its topic. @default none
   */
  affinity?: (topic: TopicName, attributes: MessageAttributes) => number | undefined;
}

/** How far down a queue a worker looks for a message with its affinity. */
const AFFINITY_WINDOW = 64;

/**
 * Which waiting messages go to which worker, in units: the first topic (by priority) that has
 * messages, up to its batch size, the worker's own messages (affinity) before the oldest.
 */
export class UnitScheduler {
  private readonly queues: Delivery[][];

  constructor(private readonly options: UnitSchedulerOptions) {
    this.queues = options.kinds.map(() => []);
  }

  /** Whether the workers handle `topic`. */
  handles(topic: TopicName): boolean {
    return this.options.kinds.includes(topic);
  }

  /** Queues a delivery at the back (new, or retried). */
  push(delivery: Delivery): void {
    this.queueOf(delivery).push(delivery);
  }

  /** Queues a delivery at the front (sent ahead to a worker that died: its turn was already due). */
  unshift(delivery: Delivery): void {
    this.queueOf(delivery).unshift(delivery);
  }

  get empty(): boolean {
    return this.queues.every((q) => q.length === 0);
  }

  /** The next unit for worker `index` of `workers`: up to its topic's batch size of the first topic waiting. */
  takeUnit(index: number, workers: number): Delivery[] {
    const kind = this.queues.findIndex((q) => q.length > 0);
    if (kind < 0) return [];
    const topic = this.options.kinds[kind]!;
    const size = Math.max(1, Math.floor(this.options.batchSizes?.[topic] ?? 1));
    const unit: Delivery[] = [];
    while (unit.length < size) {
      const next = this.take(this.queues[kind]!, index, workers);
      if (next === undefined) break;
      unit.push(next);
    }
    return unit;
  }

  private take(queue: Delivery[], index: number, workers: number): Delivery | undefined {
    const affinity = this.options.affinity;
    if (affinity === undefined || workers === 1) return queue.shift();
    const end = Math.min(queue.length, AFFINITY_WINDOW);
    for (let i = 0; i < end; i++) {
      const key = affinity(queue[i]!.topic, queue[i]!.attributes);
      if (key !== undefined && Number.isInteger(key) && key % workers === index) {
        return queue.splice(i, 1)[0];
      }
    }
    return queue.shift();
  }

  private queueOf(delivery: Delivery): Delivery[] {
    return this.queues[this.options.kinds.indexOf(delivery.topic)]!;
  }
}
