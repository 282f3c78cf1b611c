/**
 * Errors are values with a kind (STYLE.md, principle 4):
 * - `permanent`: bad input. Record it, acknowledge the message, never retry.
 * - `transient`: network, database, quota. Rethrow so that the platform retries.
 * One place (the function edge) maps kinds to Pub/Sub behaviour.
 */
export type ErrorKind = 'permanent' | 'transient';

/** Machine-readable error codes; add one when a caller needs to tell a case apart. */
export type ErrorCode =
  | 'invalid-argument'
  | 'shape-mismatch'
  | 'empty-array'
  | 'non-finite'
  | 'unknown-option'
  | 'unsupported-format'
  | 'corrupt-image'
  | 'image-too-large'
  | 'invalid-message'
  | 'invalid-value'
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  | 'migration-failed'
  | 'insufficient-data';

export class MetdbError extends Error {
  override readonly name = 'MetdbError';
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  /** Structured facts about the failure (file name, option name, shapes...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { kind?: ErrorKind; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? (code === 'unavailable' ? 'transient' : 'permanent');
    this.details = options.details ?? {};
  }
}

/** The one guard to test for our errors, optionally of one code. */
export function isMetdbError(value: unknown, code?: ErrorCode): value is MetdbError {
  return value instanceof MetdbError && (code === undefined || value.code === code);
}
