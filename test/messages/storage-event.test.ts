import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { decodePubSubCloudEvent } from '../../shared/messages/pubsub-cloud-event.js';
import { parseStorageEvent } from '../../shared/messages/storage-event.js';

const resource = (name: string, generation: string | number, size: string | number) => ({
  kind: 'storage#object',
  id: `uploads/${name}/${generation}`,
  bucket: 'uploads',
  name,
  generation,
  metageneration: '1',
  size,
  contentType: 'image/tiff',
  md5Hash: 'XrY7u+Ae7tCTyyK7j1rNww==',
  crc32c: 'yZRlqg==',
});

/** What Eventarc (or functions-framework, in binary or structured mode) hands a CloudEvent function. */
const eventarc = (data: unknown, type = 'google.cloud.storage.object.v1.finalized') => ({
  specversion: '1.0',
  id: '1234567890',
  source: '//storage.googleapis.com/projects/_/buckets/uploads',
  type,
  subject: 'objects/x',
  time: '2024-06-01T10:00:00.000Z',
  data,
});

/** What functions-framework makes of a push request from a subscription on a GCS notification topic. */
const notification = (attributes: Record<string, string>, payload: unknown) => ({
  specversion: '1.0',
  id: '42',
  source: '//pubsub.googleapis.com/projects/demo-metdb/topics/uploads',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  datacontenttype: 'application/json',
  data: {
    message: {
      '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
      data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'),
      attributes,
      messageId: '42',
      publishTime: '2024-06-01T10:00:01.000Z',
    },
  },
});

const finalizeAttributes = (name: string, generation: string) => ({
  eventType: 'OBJECT_FINALIZE',
  bucketId: 'uploads',
  objectId: name,
  objectGeneration: generation,
  payloadFormat: 'JSON_API_V1',
  notificationConfig: 'projects/_/buckets/uploads/notificationConfigs/1',
});

const ODD_NAMES = [
  'ds 1/frame 001.tif',
  'données/α β γ/图像.tif',
  'ds/../escape.tif',
  'ds/a..b.tif',
  "ds/it's #1 (copy)?.tif",
];

describe('parseStorageEvent', () => {
  it.each([
    ['strings', '1717236000123456', '1048576'],
    ['numbers', 1717236000123456, 1048576],
  ])('reads an Eventarc finalized CloudEvent with generation and size as %s', (_label, generation, size) => {
    expect(parseStorageEvent(eventarc(resource('ds/a.tif', generation, size)))).toEqual({
      kind: 'finalized',
      bucket: 'uploads',
      name: 'ds/a.tif',
      generation: '1717236000123456',
      size: 1048576,
      contentType: 'image/tiff',
      md5Hash: 'XrY7u+Ae7tCTyyK7j1rNww==',
      idempotencyKey: 'gcs:uploads/ds/a.tif#1717236000123456',
    });
  });

  it('keeps generations beyond 2^53 exact when they come as strings', () => {
    const event = parseStorageEvent(eventarc(resource('a.tif', '9007199254740993', '1')));
    expect(event.kind === 'finalized' && event.generation).toBe('9007199254740993');
  });

  it('reads Eventarc data given as a JSON string', () => {
    const event = parseStorageEvent(eventarc(JSON.stringify(resource('a.tif', '7', '3'))));
    expect(event).toMatchObject({ kind: 'finalized', generation: '7', size: 3 });
  });

  it.each(ODD_NAMES)('reads the same object from both shapes, name %j kept exactly', (name) => {
    const a = parseStorageEvent(eventarc(resource(name, '1717236000123456', 10)));
    const b = parseStorageEvent(
      notification(finalizeAttributes(name, '1717236000123456'), resource(name, '1717236000123456', '10')),
    );
    expect(a).toEqual(b);
    expect(a).toMatchObject({ name, idempotencyKey: `gcs:uploads/${name}#1717236000123456` });
  });

  it('gives a different idempotency key to a new generation of the same name', () => {
    const a = parseStorageEvent(eventarc(resource('a.tif', '1', 1)));
    const b = parseStorageEvent(eventarc(resource('a.tif', '2', 1)));
    expect(a.kind === 'finalized' && b.kind === 'finalized' && a.idempotencyKey !== b.idempotencyKey).toBe(
      true,
    );
  });

  it.each(['OBJECT_DELETE', 'OBJECT_ARCHIVE', 'OBJECT_METADATA_UPDATE'])(
    'reports a %s notification as ignorable',
    (eventType) => {
      const event = parseStorageEvent(
        notification({ ...finalizeAttributes('ds/a.tif', '5'), eventType }, resource('ds/a.tif', '5', 1)),
      );
      expect(event).toEqual({
        kind: 'ignored',
        eventType,
        reason: `${eventType} is not an upload`,
        bucket: 'uploads',
        name: 'ds/a.tif',
      });
    },
  );

  it('reports Eventarc deleted and metadataUpdated events as ignorable', () => {
    for (const type of [
      'google.cloud.storage.object.v1.deleted',
      'google.cloud.storage.object.v1.metadataUpdated',
    ]) {
      expect(parseStorageEvent(eventarc(resource('a.tif', '1', 1), type))).toMatchObject({
        kind: 'ignored',
        eventType: type,
      });
    }
  });

  it.each([
    [
      'an unknown CloudEvent type',
      eventarc(resource('a', '1', 1), 'com.example.other'),
      'unexpected CloudEvent type',
    ],
    ['no name', eventarc({ ...resource('a', '1', 1), name: '' }), 'missing or invalid name'],
    ['a non-numeric generation', eventarc(resource('a', 'abc', 1)), 'generation'],
    ['a negative size', eventarc(resource('a', '1', -1)), 'size'],
    ['no data at all', eventarc(undefined), 'bucket, name, generation, size'],
    [
      'a notification without eventType',
      notification({ bucketId: 'uploads' }, resource('a', '1', 1)),
      'no eventType',
    ],
    [
      'a NONE payload format',
      notification({ ...finalizeAttributes('a', '1'), payloadFormat: 'NONE' }, 'x'),
      'configure JSON_API_V1',
    ],
    [
      'a payload that is not JSON',
      notification(finalizeAttributes('a', '1'), '{not json'),
      'payload is not JSON',
    ],
    [
      'attributes that disagree with the payload',
      notification(finalizeAttributes('a', '2'), resource('a', '1', 1)),
      'objectGeneration',
    ],
    ['not an event', 'hello', 'unexpected CloudEvent type'],
  ])('rejects %s with a permanent invalid-message error', (_label, event, expected) => {
    let caught: unknown;
    try {
      parseStorageEvent(event);
    } catch (error) {
      caught = error;
    }
    expect(isMetdbError(caught, 'invalid-message') && caught.kind === 'permanent').toBe(true);
    expect((caught as Error).message).toContain(expected);
  });
});

describe('decodePubSubCloudEvent', () => {
  it('decodes data, attributes and ids from event.data.message', () => {
    const event = notification({ jobId: 'j' }, { schemaVersion: 1, jobId: 'j' });
    expect(decodePubSubCloudEvent(event)).toMatchObject({
      messageId: '42',
      data: { schemaVersion: 1, jobId: 'j' },
      attributes: { jobId: 'j' },
      publishTime: '2024-06-01T10:00:01.000Z',
    });
  });

  it('reads deliveryAttempt when the platform forwards it', () => {
    const event = notification({}, { a: 1 });
    expect(
      decodePubSubCloudEvent({ ...event, data: { ...event.data, deliveryAttempt: 3 } }).deliveryAttempt,
    ).toBe(3);
    expect(decodePubSubCloudEvent(event).deliveryAttempt).toBeUndefined();
  });

  it('returns the raw text with json: false, and rejects non-JSON bodies by default', () => {
    const event = notification({}, 'plain text');
    expect(decodePubSubCloudEvent(event, { json: false }).data).toBe('plain text');
    expect(() => decodePubSubCloudEvent(event)).toThrow(
      'Pub/Sub event: the message body is not JSON: "plain text"',
    );
  });

  it('rejects events without data.message or messageId', () => {
    expect(() => decodePubSubCloudEvent({ data: {} })).toThrow(/no data.message/);
    expect(() => decodePubSubCloudEvent({ data: { message: { data: '' } } })).toThrow(/messageId is missing/);
    expect(() => decodePubSubCloudEvent(null)).toThrow(/no data.message/);
  });
});
