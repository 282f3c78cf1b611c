import { createHash } from 'node:crypto';
import { contentTypeOf } from '../../shared/adapters/content-type.js';
import { crc32cBase64 } from './crc32c.js';

/**
 * The JSON API object resource of `bytes` stored as `name` in `bucket` with `generation` (the
 * local-folder adapter's is the file's mtime in ns), as a bucket notification carries it.
 */
export function objectResource(
  bucket: string,
  name: string,
  bytes: Uint8Array,
  generation: string,
  modifiedMs: number,
): Record<string, unknown> {
  const time = new Date(modifiedMs).toISOString();
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${generation}`,
    name,
    bucket,
    generation,
    metageneration: '1',
    contentType: contentTypeOf(name),
    storageClass: 'STANDARD',
    size: String(bytes.length),
    md5Hash: createHash('md5').update(bytes).digest('base64'),
    crc32c: crc32cBase64(bytes),
    timeCreated: time,
    updated: time,
  };
}

/**
 * The two shapes in which Cloud Storage announces an upload, built from a JSON API object resource
 * (e.g. from `GcsDouble.onFinalize`), so tests can feed `ingest` as production would.
 */

/** A GCS Pub/Sub notification (JSON_API_V1) as published on the notification topic: body and attributes. */
export function gcsNotification(
  resource: Record<string, unknown>,
  eventType:
    'OBJECT_FINALIZE' | 'OBJECT_DELETE' | 'OBJECT_ARCHIVE' | 'OBJECT_METADATA_UPDATE' = 'OBJECT_FINALIZE',
): { data: Buffer; attributes: Record<string, string> } {
  const bucket = String(resource.bucket);
  return {
    data: Buffer.from(JSON.stringify(resource), 'utf8'),
    attributes: {
      notificationConfig: `projects/_/buckets/${bucket}/notificationConfigs/1`,
      eventType,
      payloadFormat: 'JSON_API_V1',
      bucketId: bucket,
      objectId: String(resource.name),
      objectGeneration: String(resource.generation),
      eventTime: new Date().toISOString(),
    },
  };
}

/**
 * An Eventarc `google.cloud.storage.object.v1.finalized` delivery in binary content mode: POST
 * `body` with `headers` to a function served by functions-framework.
 */
export function eventarcFinalized(
  resource: Record<string, unknown>,
  id = String(Date.now()),
): {
  headers: Record<string, string>;
  body: string;
} {
  const bucket = String(resource.bucket);
  return {
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-type': 'google.cloud.storage.object.v1.finalized',
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${bucket}`,
      'ce-subject': `objects/${String(resource.name)}`,
      'ce-time': new Date().toISOString(),
    },
    body: JSON.stringify(resource),
  };
}
