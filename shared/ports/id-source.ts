import { v7 as uuidv7 } from 'uuid';

/** Identifiers as a port: time-sortable ids for images and jobs. */
export interface IdSource {
  /** A new unique id; later calls sort after earlier ones (UUIDv7, lower-case, 36 chars). */
  next(): string;
}

export const uuidV7Ids: IdSource = { next: () => uuidv7() };

/** Deterministic ids for tests: `<prefix>-000001`, `<prefix>-000002`... */
export function sequentialIds(prefix = 'id'): IdSource {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(6, '0')}` };
}
