import { MetdbError } from '../errors/metdb-error.js';

/** A Pub/Sub message as a handler sees it, whatever delivered it. */
export interface PubSubDelivery {
  readonly messageId: string;
  /** The message body, base64-decoded and JSON-parsed. */
  readonly data: unknown;
  /** The body as raw bytes (for payloads that are not JSON). */
  readonly bytes: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime?: string;
  /**
   * 1 on first delivery, when the platform says so (push bodies of subscriptions with a
   * dead-letter policy carry it; functions-framework's conversion and Eventarc drop it).
   */
  readonly deliveryAttempt?: number;
}

/**
 * Reads a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, looking only at
 * `event.data.message.*`, which both functions-framework's conversion of a push request (the
 * emulator, direct push subscriptions) and Eventarc provide.
 *
 * With `json: true` (the default) the body must be JSON; with `false`, `data` is the raw string.
 * Throws a permanent `MetdbError('invalid-message')` when the event is not such a message or the
 * body cannot be decoded.
 */
export function decodePubSubCloudEvent(
  cloudEvent: unknown,
  options: { json?: boolean } = {},
): PubSubDelivery {
  const { json = true } = options;
  const data = field(cloudEvent, 'data');
  const message = field(data, 'message');
  if (typeof message !== 'object' || message === null) {
    throw invalid('the event carries no data.message (not a Pub/Sub messagePublished event)', cloudEvent);
  }
  const messageId = field(message, 'messageId') ?? field(message, 'message_id');
  if (typeof messageId !== 'string' || messageId === '')
    throw invalid('data.message.messageId is missing', cloudEvent);
  const encoded = field(message, 'data');
  if (encoded !== undefined && typeof encoded !== 'string') {
    throw invalid('data.message.data is not a base64 string', cloudEvent, messageId);
  }
  const bytes = new Uint8Array(Buffer.from(encoded ?? '', 'base64'));
  const text = Buffer.from(bytes).toString('utf8');
  let body: unknown = text;
  if (json) {
    try {
      body = JSON.parse(text) as unknown;
    } catch (error) {
      throw invalid(`the message body is not JSON: ${preview(text)}`, cloudEvent, messageId, error);
    }
  }
  const attempt = field(data, 'deliveryAttempt') ?? field(message, 'deliveryAttempt');
  const publishTime = field(message, 'publishTime') ?? field(message, 'publish_time');
  return {
    messageId,
    data: body,
    bytes,
    attributes: stringAttributes(field(message, 'attributes')),
    ...(typeof publishTime === 'string' ? { publishTime } : {}),
    ...(typeof attempt === 'number' && Number.isInteger(attempt) ? { deliveryAttempt: attempt } : {}),
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function stringAttributes(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function invalid(reason: string, cloudEvent: unknown, messageId?: string, cause?: unknown): MetdbError {
  const eventId = field(cloudEvent, 'id');
  return new MetdbError('invalid-message', `Pub/Sub event: ${reason}`, {
    details: {
      ...(messageId === undefined ? {} : { messageId }),
      ...(typeof eventId === 'string' ? { eventId } : {}),
    },
    ...(cause === undefined ? {} : { cause }),
  });
}
