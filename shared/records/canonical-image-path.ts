/**
 * The canonical storage path of an image, derived from IDs only:
 * `datasets/<datasetId>/images/<imageId>.<ext>` (ext lowercase, without the dot).
 * The same relative path is used as a GCS object name and under the local data folder.
 */
import { MetdbError } from '../errors/metdb-error.js';
import { isId } from './new-id.js';

const EXTENSION = /^[a-z0-9]{1,10}$/;

export function canonicalImagePath(datasetId: string, imageId: string, ext: string): string {
  if (!isId(datasetId)) throw invalid('datasetId', datasetId, 'a UUIDv7');
  if (!isId(imageId)) throw invalid('imageId', imageId, 'a UUIDv7');
  const e = ext.replace(/^\./, '').toLowerCase();
  if (!EXTENSION.test(e)) throw invalid('ext', ext, '1-10 letters or digits');
  return `datasets/${datasetId}/images/${imageId}.${e}`;
}

/** The lowercase extension of an object name (`a/b/Stack.TIF` -> `tif`), or `bin` if none. */
export function extensionOf(objectName: string): string {
  const base = objectName.slice(objectName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const e = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  return EXTENSION.test(e) ? e : 'bin';
}

function invalid(field: string, value: unknown, expected: string): MetdbError {
  return new MetdbError(
    'invalid-value',
    `canonicalImagePath: ${field} must be ${expected}, got ${JSON.stringify(value)}`,
    {
      details: { field, value },
    },
  );
}
