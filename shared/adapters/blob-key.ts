import { MetdbError } from '../errors/metdb-error.js';

/** The folder inside a local bucket where writes are staged before their atomic rename. */
export const LOCAL_STAGING_DIR = '.metdb-tmp';

/**
 * Checks that an object name can be stored as a relative path under a folder without escaping
 * it: non-empty `/`-separated segments, none `.` or `..`, no backslash, no NUL, no leading `/`,
 * at most 1024 UTF-8 bytes (the GCS limit), not inside the staging folder.
 * Throws a permanent `MetdbError('invalid-argument')` naming the key otherwise.
 */
export function assertSafeLocalKey(key: string): void {
  const reason = unsafeKeyReason(key);
  if (reason !== undefined) {
    throw new MetdbError('invalid-argument', `object name ${JSON.stringify(key)} ${reason}`, {
      details: { key },
    });
  }
}

function unsafeKeyReason(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (Buffer.byteLength(key, 'utf8') > 1024) return 'is longer than 1024 bytes';
  if (key.includes('\0')) return 'contains a NUL character';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'starts with /';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, . or .. segment';
  if (segments[0] === LOCAL_STAGING_DIR) return `is inside the reserved ${LOCAL_STAGING_DIR}/ folder`;
  return undefined;
}

/** A list prefix is a key prefix: the same rules, but it may be empty or end with `/`. */
export function assertSafeLocalPrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeLocalKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}
