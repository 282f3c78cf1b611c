import { describe, expect, it } from 'vitest';
import { fromPubSubJson } from '../../functions/edge/pubsub-parser.js';
import { runHandler } from '../../functions/edge/run-handler.js';
import { parseUploadEvent } from '../../functions/edge/storage-parser.js';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import { createLogger } from '../../shared/logging/logger.js';
import { parseAggregateMessage, type AggregateMessage } from '../../shared/messages/aggregate-message.js';
import { JOB_ID } from './message-examples.js';

/** A CloudEvent as functions-framework builds it from a Pub/Sub push request. */
function pushed(body: unknown, messageId = '7') {
  return {
    specversion: '1.0',
    id: messageId,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/demo-metdb/topics/metdb-aggregate',
    data: {
      message: {
        data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
        attributes: {},
        messageId,
      },
    },
  };
}

function setup(useCase: (m: AggregateMessage) => Promise<void>) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  const seen: AggregateMessage[] = [];
  const handler = runHandler(
    'aggregate',
    fromPubSubJson(parseAggregateMessage),
    async (m, context) => {
      seen.push(m);
      context.logger.debug('working');
      await useCase(m);
    },
    { logger, fieldsOf: (m) => ({ jobId: m.jobId }) },
  );
  return { handler, lines, seen };
}

describe('runHandler (the edge)', () => {
  it('acks a valid message the use case handled, with one INFO line carrying the ids', async () => {
    const { handler, lines, seen } = setup(() => Promise.resolve());
    await expect(handler(pushed({ schemaVersion: 1, jobId: JOB_ID }))).resolves.toBeUndefined();
    expect(seen).toEqual([{ schemaVersion: 1, jobId: JOB_ID }]);
    expect(lines.map((l) => [l.severity, l.message, l.jobId, l.messageId, l.component])).toEqual([
      ['DEBUG', 'working', JOB_ID, '7', 'aggregate'],
      ['INFO', 'aggregate: done', JOB_ID, '7', 'aggregate'],
    ]);
  });

  it('acks a permanent failure of a valid message and logs it at ERROR with the reason', async () => {
    const { handler, lines } = setup(() =>
      Promise.reject(new MetdbError('not-found', `job ${JOB_ID} does not exist`)),
    );
    await expect(handler(pushed({ schemaVersion: 1, jobId: JOB_ID }))).resolves.toBeUndefined();
    expect(lines.at(-1)).toMatchObject({
      severity: 'ERROR',
      outcome: 'ack',
      reason: 'permanent-failure',
      jobId: JOB_ID,
      error: { code: 'not-found', kind: 'permanent' },
    });
  });

  it('rethrows a transient failure so that Pub/Sub redelivers, logged at WARNING', async () => {
    const failure = new MetdbError('unavailable', 'database unreachable');
    const { handler, lines } = setup(() => Promise.reject(failure));
    await expect(handler(pushed({ schemaVersion: 1, jobId: JOB_ID }))).rejects.toBe(failure);
    expect(lines.at(-1)).toMatchObject({
      severity: 'WARNING',
      outcome: 'retry',
      reason: 'transient-failure',
    });
  });

  it('rethrows an unexpected error (a bug) so that it is retried then dead-lettered', async () => {
    const { handler, lines } = setup(() => Promise.reject(new TypeError('x is undefined')));
    await expect(handler(pushed({ schemaVersion: 1, jobId: JOB_ID }))).rejects.toThrow(TypeError);
    expect(lines.at(-1)).toMatchObject({ severity: 'ERROR', outcome: 'retry', reason: 'unexpected-failure' });
  });

  it.each([
    ['a body that is not JSON', '{oops', 'not JSON'],
    ['a schema violation', { schemaVersion: 1, jobId: 'nope' }, 'jobId'],
    ['a future schema version', { schemaVersion: 2, jobId: JOB_ID }, 'unsupported schemaVersion 2'],
  ])(
    'rejects %s without calling the use case, with a clear dead-letter log line',
    async (_label, body, reason) => {
      const { handler, lines, seen } = setup(() => Promise.resolve());
      await expect(handler(pushed(body))).rejects.toMatchObject({ code: 'invalid-message' });
      expect(seen).toEqual([]);
      const last = lines.at(-1) ?? {};
      expect(last).toMatchObject({
        severity: 'ERROR',
        outcome: 'retry',
        reason: 'malformed',
        messageId: '7',
      });
      expect(String(last.message)).toContain('dead-letter topic');
      expect(String(last.message)).toContain(reason);
    },
  );

  it('acks storage notifications that are not uploads, without calling the use case', async () => {
    const lines: Record<string, unknown>[] = [];
    const calls: unknown[] = [];
    const handler = runHandler('ingest', parseUploadEvent, (m) => Promise.resolve(void calls.push(m)), {
      logger: createLogger({
        level: 'info',
        write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
      }),
    });
    const event = pushed('{}');
    event.data.message = {
      ...event.data.message,
      attributes: { eventType: 'OBJECT_DELETE', bucketId: 'b', objectId: 'o' },
    };
    event.type = 'google.cloud.pubsub.topic.v1.messagePublished';
    await handler(event);
    expect(calls).toEqual([]);
    expect(lines).toMatchObject([
      { severity: 'INFO', reason: 'ignored', message: 'ingest: ignored (OBJECT_DELETE is not an upload)' },
    ]);
  });
});
