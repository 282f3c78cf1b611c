import { decodePubSubCloudEvent } from '../../shared/messages/pubsub-cloud-event.js';

/**
 * A `runHandler` parser for JSON messages on a Pub/Sub topic: reads `event.data.message`
 * (decodePubSubCloudEvent) and validates the body with `parse` (e.g. `parseTileMessage`).
 */
export function fromPubSubJson<M>(parse: (body: unknown) => M): (event: unknown) => M {
  return (event) => parse(decodePubSubCloudEvent(event).data);
}
