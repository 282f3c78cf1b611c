import { createHash } from 'node:crypto';
import type { JobParams } from './dataset-settings.js';

/** A short hash of parameters (key order as resolved, which is deterministic). */
export function paramsHash(params: JobParams): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
}
