import type { z } from 'zod';
import { MetdbError } from '../errors/metdb-error.js';

/** The schema version every message of this code base carries and reads. */
export const SCHEMA_VERSION = 1;

/**
 * Validates `value` against `schema` and returns the typed value, or throws a permanent
 * `MetdbError('invalid-message')` whose message lists every issue as `path: problem` on one line
 * (for the log) and whose details carry the issues and the `schemaVersion` seen.
 */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const seenVersion = versionOf(value);
  if (seenVersion !== undefined && seenVersion !== SCHEMA_VERSION) {
    throw new MetdbError(
      'invalid-message',
      `${what}: unsupported schemaVersion ${JSON.stringify(seenVersion)} (this code reads ${SCHEMA_VERSION})`,
      { details: { what, schemaVersion: seenVersion } },
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  throw new MetdbError('invalid-message', `${what}: ${summary}`, {
    details: { what, issues, schemaVersion: seenVersion },
    cause: result.error,
  });
}

function versionOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'schemaVersion' in value
    ? value.schemaVersion
    : undefined;
}
