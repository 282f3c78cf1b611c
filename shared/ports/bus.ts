/**
 * The messaging port, publisher side: what a use case needs to fan work out. The subscriber side
 * is the platform's (Pub/Sub push to functions-framework) or the local runner's.
 *
 * Topics are logical names (`tiles`, `aggregate`, `reprocess`, a mosaic's `edges` and `mosaics`,
 * and `outputs`); the adapter maps them to the deployment's topic ids (`METDB_TILES_TOPIC`...).
 * Messages are JSON values already validated against their schema in `shared/messages/`.
 */
export type TopicName = 'tiles' | 'aggregate' | 'reprocess' | 'edges' | 'mosaics' | 'outputs';

export const TOPIC_NAMES: readonly TopicName[] = [
  'tiles',
  'aggregate',
  'reprocess',
  'edges',
  'mosaics',
  'outputs',
];

/** String attributes sent beside the message body (Pub/Sub attributes). */
export type MessageAttributes = Readonly<Record<string, string>>;

export interface Bus {
  /**
   * Publishes one message and resolves once the broker has accepted it, with the broker's
   * message id. Nothing is left running after the promise settles.
   */
  publish(topic: TopicName, message: unknown, attributes?: MessageAttributes): Promise<string>;
}
