/**
 * One log line as Google Cloud Logging reads it from a function's stdout: a JSON object with
 * `severity`, `message` and `time`; `logging.googleapis.com/trace` links it to a trace; every other
 * field lands in `jsonPayload` and can be queried (`jsonPayload.jobId="..."`).
 * See https://cloud.google.com/logging/docs/structured-logging.
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** The fields Met-db puts on its lines; any other JSON-able field is allowed. */
export interface LogFields {
  /** The function or component writing (`ingest`, `registerTile`...). */
  component?: string;
  datasetId?: string;
  imageId?: string;
  jobId?: string;
  tileIndex?: number;
  /** Pub/Sub message id, or CloudEvent id, of the delivery being handled. */
  messageId?: string;
  /** `gcs:<bucket>/<name>#<generation>` and the like. */
  idempotencyKey?: string;
  /** `projects/<p>/traces/<id>`, written as `logging.googleapis.com/trace`. */
  trace?: string;
  /** An error, written as `{ name, message, code, kind, details, stack }`. */
  error?: unknown;
  [field: string]: unknown;
}

/** The JSON line (no trailing newline) for one entry. Pure: the time is given. */
export function formatLogEntry(severity: Severity, message: string, fields: LogFields, time: Date): string {
  const { trace, error, ...rest } = fields;
  const entry: Record<string, unknown> = { severity, message, time: time.toISOString(), ...rest };
  if (typeof trace === 'string' && trace !== '') entry['logging.googleapis.com/trace'] = trace;
  if (error !== undefined) entry.error = describeError(error);
  return JSON.stringify(entry, replacer);
}

/** An error as plain JSON, keeping MetdbError's kind, code and details, and the cause chain (3 deep). */
export function describeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & { code?: unknown; kind?: unknown; details?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.kind === undefined ? {} : { kind: e.kind }),
    ...(e.details === undefined ? {} : { details: e.details }),
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(e.cause === undefined || depth >= 2 ? {} : { cause: describeError(e.cause, depth + 1) }),
  };
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return describeError(value);
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return value;
}
