/**
 * The fan-in across processes on one SQLite file (what several local workers do): 4 Node
 * processes, each with its own connection, deliver 60 shuffled duplicate tile results at once.
 * SQLite serialises the writers (busy_timeout; a stale snapshot's SQLITE_BUSY reruns the transaction).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { createJobVersion, getJob, startJob } from '../../shared/records/jobs-repository.js';
import type { RecordTileOutcome } from '../../shared/records/record-tile-result.js';
import { datasetWithPair, deliveries } from './fixtures.js';
import { transpileRecords } from './transpile-records.js';

const run = promisify(execFile);
const PROCESSES = 4;

const CHILD = `
import { readFileSync } from 'node:fs';
import { connectDatabase } from './shared/adapters/open-database.js';
import { recordTileResult } from './shared/records/record-tile-result.js';
const [path, startAt, file] = process.argv.slice(2);
const work = JSON.parse(readFileSync(file, 'utf8'));
const handle = await connectDatabase({ kind: 'sqlite', path }, { busyTimeoutMs: 10000 });
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 2));
const outcomes = await Promise.all(work.map((d) => recordTileResult(handle.db, d)));
await handle.close();
process.stdout.write(JSON.stringify(outcomes));
`;

describe('recordTileResult across processes on one SQLite file', () => {
  let dir: string;
  let handle: DatabaseHandle;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'metdb-fanin-'));
    transpileRecords(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'child.js'), CHILD);
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exactly one of 60 deliveries from 4 processes completes the job', async () => {
    const path = join(dir, 'metdb.sqlite');
    handle = await connectDatabase({ kind: 'sqlite', path });
    await migrateToLatest(handle.db);
    const { dataset, reference, moving } = await datasetWithPair(handle.db);
    const { job } = await createJobVersion(handle.db, {
      dataset_id: dataset.id,
      reference_image_id: reference.id,
      moving_image_id: moving.id,
      parameters: {},
    });
    await startJob(handle.db, job.id, 20);
    const all = deliveries(job.id, 7);
    const startAt = Date.now() + 1500;
    const children = Array.from({ length: PROCESSES }, (_, p) => {
      const file = join(dir, `work-${p}.json`);
      writeFileSync(file, JSON.stringify(all.filter((_, k) => k % PROCESSES === p)));
      return run(process.execPath, [join(dir, 'code', 'child.js'), path, String(startAt), file], {
        cwd: dir,
      });
    });
    const outcomes = (await Promise.all(children)).flatMap(
      (c) => JSON.parse(c.stdout) as RecordTileOutcome[],
    );
    expect(outcomes).toHaveLength(60);
    expect(outcomes.filter((o) => o.completedJob)).toHaveLength(1);
    expect(outcomes.filter((o) => o.inserted)).toHaveLength(20);
    expect(await getJob(handle.db, job.id)).toMatchObject({ state: 'aggregating', tiles_done: 20 });
  });
});
