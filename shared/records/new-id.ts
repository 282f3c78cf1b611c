/**
 * Row IDs: UUIDv7 (RFC 9562), assigned by the code, time-sortable (48-bit Unix milliseconds
 * first), stored as lowercase CHAR(36) text on both databases.
 */
import { v7 } from 'uuid';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fresh UUIDv7, e.g. `01964b7e-8f3a-7c41-9d2e-0a1b2c3d4e5f`. Monotonic within a process. */
export function newId(): string {
  return v7();
}

/** True for a lowercase UUIDv7 string as produced by `newId`. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID_V7.test(value);
}

/** The creation time encoded in a UUIDv7 (millisecond precision). */
export function idTime(id: string): Date {
  const hex = id.slice(0, 8) + id.slice(9, 13);
  return new Date(parseInt(hex, 16));
}
