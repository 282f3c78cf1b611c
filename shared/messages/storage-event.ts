import { MetdbError } from '../errors/metdb-error.js';
import { decodePubSubCloudEvent } from './pubsub-cloud-event.js';

export const FINALIZED_EVENT_TYPE = 'google.cloud.storage.object.v1.finalized';
export const PUBSUB_EVENT_TYPE = 'google.cloud.pubsub.topic.v1.messagePublished';

/** A new object version is complete in a bucket. */
export interface FinalizedObject {
  readonly kind: 'finalized';
  readonly bucket: string;
  /** The object name, exactly as stored (any UTF-8, spaces, `..`, unicode). */
  readonly name: string;
  /** Decimal string: GCS generations exceed 2^53. */
  readonly generation: string;
  /** Size in bytes. */
  readonly size: number;
  readonly contentType?: string;
  /** MD5 of the content, base64 (absent for composite objects). */
  readonly md5Hash?: string;
  /** `gcs:<bucket>/<name>#<generation>`: the same for every delivery of this upload, and only for it. */
  readonly idempotencyKey: string;
}

/** A storage notification that is not a finalize (delete, archive, metadata update): acknowledge it. */
export interface IgnoredStorageEvent {
  readonly kind: 'ignored';
  readonly eventType: string;
  readonly reason: string;
  readonly bucket?: string;
  readonly name?: string;
}

export type StorageEvent = FinalizedObject | IgnoredStorageEvent;

/**
 * Reads an upload notification in either shape:
 * - an Eventarc `google.cloud.storage.object.v1.finalized` CloudEvent, `data` being the JSON API
 *   object resource (`generation` and `size` as strings or numbers);
 * - a `messagePublished` CloudEvent carrying a GCS Pub/Sub notification (attributes `eventType`,
 *   `bucketId`, `objectId`, `objectGeneration`, `payloadFormat: JSON_API_V1`, data = base64 JSON of
 *   the object resource).
 * Other storage event types give `{ kind: 'ignored' }`. Anything malformed throws a permanent
 * `MetdbError('invalid-message')`.
 */
export function parseStorageEvent(cloudEvent: unknown): StorageEvent {
  const type = field(cloudEvent, 'type');
  if (type === PUBSUB_EVENT_TYPE) return fromNotification(cloudEvent);
  if (typeof type === 'string' && type.startsWith('google.cloud.storage.object.v1.')) {
    const resource = objectData(field(cloudEvent, 'data'));
    if (type !== FINALIZED_EVENT_TYPE) {
      return ignored(type, resource);
    }
    return finalized(resource, `CloudEvent ${String(field(cloudEvent, 'id'))}`);
  }
  throw new MetdbError(
    'invalid-message',
    `storage event: unexpected CloudEvent type ${JSON.stringify(type)}`,
    {
      details: { type },
    },
  );
}

function fromNotification(cloudEvent: unknown): StorageEvent {
  const delivery = decodePubSubCloudEvent(cloudEvent, { json: false });
  const a = delivery.attributes;
  const eventType = a.eventType;
  if (eventType === undefined) {
    throw new MetdbError('invalid-message', 'storage notification: no eventType attribute', {
      details: { messageId: delivery.messageId, attributes: a },
    });
  }
  if (eventType !== 'OBJECT_FINALIZE') {
    return {
      kind: 'ignored',
      eventType,
      reason: `${eventType} is not an upload`,
      ...(a.bucketId === undefined ? {} : { bucket: a.bucketId }),
      ...(a.objectId === undefined ? {} : { name: a.objectId }),
    };
  }
  if (a.payloadFormat !== 'JSON_API_V1') {
    throw new MetdbError(
      'invalid-message',
      `storage notification: payloadFormat ${JSON.stringify(a.payloadFormat)} (configure JSON_API_V1)`,
      { details: { messageId: delivery.messageId, attributes: a } },
    );
  }
  let resource: unknown;
  try {
    resource = JSON.parse(Buffer.from(delivery.bytes).toString('utf8'));
  } catch (error) {
    throw new MetdbError('invalid-message', 'storage notification: the payload is not JSON', {
      details: { messageId: delivery.messageId },
      cause: error,
    });
  }
  const object = finalized(resource, `notification ${delivery.messageId}`);
  for (const [attribute, value] of [
    ['bucketId', object.bucket],
    ['objectId', object.name],
    ['objectGeneration', object.generation],
  ] as const) {
    if (a[attribute] !== undefined && a[attribute] !== value) {
      throw new MetdbError(
        'invalid-message',
        `storage notification: attribute ${attribute}=${JSON.stringify(a[attribute])} disagrees with the payload's ${JSON.stringify(value)}`,
        { details: { messageId: delivery.messageId, attribute } },
      );
    }
  }
  return object;
}

function finalized(resource: unknown, source: string): FinalizedObject {
  const bucket = field(resource, 'bucket');
  const name = field(resource, 'name');
  const generation = decimal(field(resource, 'generation'));
  const size = decimal(field(resource, 'size'));
  const problems = [
    typeof bucket === 'string' && bucket !== '' ? undefined : 'bucket',
    typeof name === 'string' && name !== '' ? undefined : 'name',
    generation === undefined ? 'generation' : undefined,
    size === undefined || !Number.isSafeInteger(Number(size)) ? 'size' : undefined,
  ].filter((p) => p !== undefined);
  if (problems.length > 0 || typeof bucket !== 'string' || typeof name !== 'string') {
    throw new MetdbError(
      'invalid-message',
      `storage event (${source}): missing or invalid ${problems.join(', ')}`,
      {
        details: { source, fields: problems },
      },
    );
  }
  const contentType = field(resource, 'contentType');
  const md5Hash = field(resource, 'md5Hash');
  return {
    kind: 'finalized',
    bucket,
    name,
    generation: generation ?? '',
    size: Number(size),
    ...(typeof contentType === 'string' ? { contentType } : {}),
    ...(typeof md5Hash === 'string' ? { md5Hash } : {}),
    idempotencyKey: `gcs:${bucket}/${name}#${generation}`,
  };
}

function ignored(eventType: string, resource: unknown): IgnoredStorageEvent {
  const bucket = field(resource, 'bucket');
  const name = field(resource, 'name');
  return {
    kind: 'ignored',
    eventType,
    reason: `${eventType} is not an upload`,
    ...(typeof bucket === 'string' ? { bucket } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  };
}

/** Event data as an object: already parsed JSON, or a JSON string / bytes. */
function objectData(data: unknown): unknown {
  if (typeof data === 'string') return tryJson(data);
  if (data instanceof Uint8Array) return tryJson(Buffer.from(data).toString('utf8'));
  return data;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A non-negative integer given as a number or a decimal string, as a decimal string. */
function decimal(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^(0|[1-9]\d*)$/.test(value)) return value;
  return undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
