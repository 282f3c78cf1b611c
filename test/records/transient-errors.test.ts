/**
 * Every driver error reaches the use cases classified (issue 20): a refused or reset connection,
 * a lock wait timeout, a read-only server after a failover are `unavailable` (transient, a
 * warning, retried), whichever repository function ran the query.
 */
import { createServer, type Server } from 'node:net';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outcomeOfUseCaseFailure } from '../../shared/pipeline/decide-outcome.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { createLogger } from '../../shared/logging/logger.js';
import { MemoryBus } from '../../shared/adapters/memory-bus.js';
import { registerTileFromMessage } from '../../shared/pipeline/register-tile-from-message.js';
import { DEFAULT_PIPELINE_LIMITS, type PipelineDeps } from '../../shared/pipeline/pipeline-deps.js';
import { toDatabaseError } from '../../shared/records/database-error.js';
import { createJobVersion, listJobs } from '../../shared/records/jobs-repository.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { getTileResult } from '../../shared/records/tile-results-repository.js';
import { exampleTileMessage } from '../messages/message-examples.js';
import { datasetWithPair } from './fixtures.js';
import { createMysqlTestDatabase, type TestDatabase } from './test-databases.js';

const handles: DatabaseHandle[] = [];
async function connect(url: string): Promise<DatabaseHandle> {
  const handle = await connectDatabase({ kind: 'mysql', url, poolSize: 1 });
  handles.push(handle);
  return handle;
}
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
});

describe('driver errors are classified wherever the query runs', () => {
  it('a refused connection: getTileResult throws unavailable, and registerTile retries it as transient', async () => {
    const { db } = await connect('mysql://root@127.0.0.1:1/none');
    const error: unknown = await getTileResult(db, exampleTileMessage().jobId, 3).catch((e: unknown) => e);
    expect(isMetdbError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);

    const deps: PipelineDeps = {
      db,
      blobs: undefined as never,
      bus: new MemoryBus(),
      logger: createLogger({ level: 'error', write: () => undefined }),
      topics: { tiles: 'tiles', aggregate: 'aggregate' },
      limits: DEFAULT_PIPELINE_LIMITS,
    };
    const failure: unknown = await registerTileFromMessage(deps, exampleTileMessage()).catch(
      (e: unknown) => e,
    );
    expect(outcomeOfUseCaseFailure(failure)).toMatchObject({
      action: 'retry',
      reason: 'transient-failure',
      severity: 'WARNING',
    });
  });

  describe('against a server that resets every connection', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('a reset connection is unavailable', async () => {
      const { db } = await connect(`mysql://root@127.0.0.1:${port}/none`);
      const error: unknown = await listJobs(db, exampleTileMessage().datasetId).catch((e: unknown) => e);
      expect(isMetdbError(error, 'unavailable')).toBe(true);
      expect(isMetdbError(error) && error.kind).toBe('transient');
    });
  });

  describe('on MariaDB', () => {
    let target: TestDatabase;
    beforeAll(async () => {
      target = await createMysqlTestDatabase(1);
    });
    afterAll(() => target.drop());

    it('a write in a read-only transaction (a primary demoted in a failover) is unavailable', async () => {
      const handle = await connectDatabase(target.config);
      handles.push(handle);
      await migrateToLatest(handle.db);
      const { dataset, reference, moving } = await datasetWithPair(handle.db);
      const error: unknown = await handle.db
        .transaction()
        .setAccessMode('read only')
        .execute((trx) =>
          createJobVersion(trx, {
            dataset_id: dataset.id,
            reference_image_id: reference.id,
            moving_image_id: moving.id,
            parameters: {},
          }),
        )
        .catch((e: unknown) => e);
      expect(isMetdbError(error, 'unavailable')).toBe(true);
    });

    it('a lock wait timeout is unavailable', async () => {
      const holder = await connectDatabase(target.config);
      const waiter = await connectDatabase(target.config);
      handles.push(holder, waiter);
      await migrateToLatest(holder.db);
      const { dataset } = await datasetWithPair(holder.db, 'locks');
      await sql`set session innodb_lock_wait_timeout = 1`.execute(waiter.db);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holding = holder.db.transaction().execute(async (trx) => {
        await trx.selectFrom('datasets').select('id').where('id', '=', dataset.id).forUpdate().execute();
        locked();
        await released;
      });
      await isLocked;
      const error: unknown = await waiter.db
        .updateTable('datasets')
        .set({ updated_at: 'x' })
        .where('id', '=', dataset.id)
        .execute()
        .catch((e: unknown) => e);
      release();
      await holding;
      expect(isMetdbError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toMatch(/update datasets/);
    });
  });

  it('classifies the Cloud SQL connector and Google API shapes, and a read-only server by its message', () => {
    const connector = Object.assign(new Error('Failed to find metadata'), {
      code: 'ENOSQLADMIN',
      errors: [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    });
    expect(toDatabaseError(connector, 'op')).toMatchObject({ code: 'unavailable', kind: 'transient' });
    const api = Object.assign(new Error('Service Unavailable'), { status: 503, code: '503' });
    expect(toDatabaseError(api, 'op')).toMatchObject({ code: 'unavailable' });
    const readOnly = Object.assign(new Error('The MySQL server is running with the --read-only option'), {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
    });
    expect(toDatabaseError(readOnly, 'op')).toMatchObject({ code: 'unavailable' });
    const filePriv = Object.assign(new Error('running with the --secure-file-priv option'), {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
    });
    expect(toDatabaseError(filePriv, 'op')).toBe(filePriv);
    const tooMany = Object.assign(new Error('Too many connections'), { errno: 1040 });
    expect(toDatabaseError(tooMany, 'op')).toMatchObject({ code: 'unavailable' });
    const forbidden = Object.assign(new Error('Forbidden'), { status: 403, code: '403' });
    expect(toDatabaseError(forbidden, 'op')).toBe(forbidden);
  });
});
