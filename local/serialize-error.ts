import { isMetdbError } from '../shared/errors/metdb-error.js';
import type { SerializedError } from './worker-protocol.js';

/**
 * An error as a plain value for another thread. MetdbErrors keep their kind and code; anything
 * else (a bug, an unexpected library failure) counts as transient, so it is retried a bounded
 * number of times before it is dead-lettered, as on Pub/Sub.
 */
export function serializeError(error: unknown): SerializedError {
  if (isMetdbError(error)) return { message: error.message, kind: error.kind, code: error.code };
  return { message: error instanceof Error ? error.message : String(error), kind: 'transient' };
}
