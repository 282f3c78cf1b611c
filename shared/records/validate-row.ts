/**
 * Checks on every row before it reaches SQL: types, ranges, ID format, string lengths as
 * declared in the schema, JSON size. A failure is a permanent MetdbError('invalid-value') naming
 * `table.column`, the rule and the value received.
 */
import { z } from 'zod';
import { MetdbError } from '../errors/metdb-error.js';
import { isId } from './new-id.js';

/** Largest value of a signed 32-bit INTEGER column (MySQL INT). */
export const INT32_MAX = 2_147_483_647;
/** Largest JSON document accepted in a mediumtext column, in UTF-8 bytes (well under 16 MiB). */
export const JSON_MAX_BYTES = 4 * 1024 * 1024;

export const check = {
  id: () => z.string().refine(isId, { message: 'expected a lowercase UUIDv7 (use newId())' }),
  int: (min = 0, max = INT32_MAX) => z.number().int().min(min).max(max),
  /** Any finite double (NaN and ±Infinity are not portable: MySQL rejects them). */
  real: () => z.number().refine(Number.isFinite, { message: 'expected a finite number' }),
  realIn: (min: number, max: number) => z.number().min(min).max(max),
  text: (max: number, min = 1) => z.string().min(min).max(max),
  sha256: () => z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (SHA-256)'),
  /** Any JSON-serialisable value; stored as JSON text. */
  json: () =>
    z.unknown().superRefine((value, ctx) => {
      const text = safeStringify(value);
      if (text === undefined) ctx.addIssue({ code: 'custom', message: 'expected a JSON-serialisable value' });
      else if (Buffer.byteLength(text, 'utf8') > JSON_MAX_BYTES) {
        ctx.addIssue({ code: 'custom', message: `JSON text over ${JSON_MAX_BYTES} bytes` });
      }
    }),
};

/** Parses `input` with `schema`, or throws MetdbError('invalid-value') naming the field. */
export function validateRow<S extends z.ZodType>(table: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)';
  const value = valueAt(input, issue.path);
  throw new MetdbError('invalid-value', `${table}.${field}: ${issue.message}, got ${preview(value)}`, {
    details: {
      table,
      field,
      value,
      issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  });
}

/** JSON text for a JSON column (`undefined` / `null` -> SQL NULL). */
export function toJsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function fromJsonText(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite');
      return v;
    });
  } catch {
    return undefined;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function preview(value: unknown): string {
  if (typeof value === 'string')
    return (
      JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value) +
      (value.length > 80 ? ` (${value.length} chars)` : '')
    );
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value;
}

/** Now as the stored timestamp text: ISO-8601 UTC with milliseconds. */
export function nowIso(): string {
  return new Date().toISOString();
}
