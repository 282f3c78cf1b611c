import { describe, expect, it } from 'vitest';
import { MetdbError } from '../errors/metdb-error.js';
import { formatLogEntry } from './log-entry.js';
import { createLogger, logLevelFromEnv } from './logger.js';

const at = new Date('2024-06-01T10:00:00.000Z');

describe('formatLogEntry', () => {
  it('writes severity, message, time, the ids as plain fields and the trace under its special key', () => {
    const line = formatLogEntry(
      'INFO',
      'tile recorded',
      { jobId: 'j1', tileIndex: 3, trace: 'projects/p/traces/abc' },
      at,
    );
    expect(JSON.parse(line)).toEqual({
      severity: 'INFO',
      message: 'tile recorded',
      time: '2024-06-01T10:00:00.000Z',
      jobId: 'j1',
      tileIndex: 3,
      'logging.googleapis.com/trace': 'projects/p/traces/abc',
    });
    expect(line).not.toContain('\n');
  });

  it('describes MetdbErrors with kind, code, details and cause, and survives bigint and bytes', () => {
    const cause = new Error('socket hang up');
    const error = new MetdbError('unavailable', 'database down', { details: { host: 'db' }, cause });
    const entry = JSON.parse(
      formatLogEntry('ERROR', 'failed', { error, generation: 2n ** 60n, bytes: new Uint8Array(9) }, at),
    ) as Record<string, unknown>;
    expect(entry.error).toMatchObject({
      name: 'MetdbError',
      message: 'database down',
      code: 'unavailable',
      kind: 'transient',
      details: { host: 'db' },
      cause: { message: 'socket hang up' },
    });
    expect(entry.generation).toBe('1152921504606846976');
    expect(entry.bytes).toBe('<9 bytes>');
  });
});

describe('createLogger', () => {
  it('filters by level, maps warn to WARNING and merges child fields', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      write: (l) => lines.push(l),
      now: () => at,
      fields: { component: 'ingest' },
    });
    log.debug('hidden');
    const child = log.child({ imageId: 'i1' });
    child.warn('slow', { ms: 12 });
    child.child({ imageId: 'i2' }).error('bad');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        severity: 'WARNING',
        message: 'slow',
        time: at.toISOString(),
        component: 'ingest',
        imageId: 'i1',
        ms: 12,
      },
      { severity: 'ERROR', message: 'bad', time: at.toISOString(), component: 'ingest', imageId: 'i2' },
    ]);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
  });

  it('is silent under vitest unless METDB_LOG_LEVEL says otherwise', () => {
    expect(logLevelFromEnv({ VITEST: 'true' })).toBe('silent');
    expect(logLevelFromEnv({ VITEST: 'true', METDB_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ METDB_LOG_LEVEL: 'loud' })).toBe('info');
  });
});
