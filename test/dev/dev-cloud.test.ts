/**
 * `metdb dev` / `npm run dev:cloud` for real: spawns the stack through `devCommand` (which runs
 * scripts/dev-cloud.ts: the Pub/Sub emulator, the four functions from dist/, a watched folder, a
 * SQLite file) on free ports, drops a dataset's settings and two frames of the series fixture into
 * the folder as a person would, waits for the rows, reprocesses the dataset with
 * `metdb dev publish-reprocess`, then sends SIGINT and checks that everything it started is gone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devCommand } from '../../cli/dev-command.js';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { until } from '../integration/pipeline-harness.js';

const hasGcloud = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v gcloud'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SERIES = 'test/fixtures/series';
const truth = JSON.parse(readFileSync(`${SERIES}/truth.json`, 'utf8')) as {
  reference: string;
  frames: { file: string; expected: number[] }[];
};
const moving = truth.frames[1]!;
/** Settings as in the integration test: 3 x 3 tiles of 128 px, 1/100 px precision. */
const SETTINGS = { reference: truth.reference, tileSize: 128, tileOverlap: 0.25, upsampleFactor: 100 };
/** Runs devCommand in its own process, as `metdb dev` would once dispatched by cli/main.ts. */
const WRAPPER = `import { devCommand } from './cli/dev-command.ts';
process.exitCode = await devCommand(process.argv.slice(1), (line) => console.log(line));`;

const tmp = mkdtempSync(join(tmpdir(), 'metdb-dev-cloud-'));
const folder = join(tmp, 'lab-bucket');
const dbPath = join(tmp, 'dev.sqlite');
let stack: ChildProcess | undefined;
let output = '';
let handle: DatabaseHandle | undefined;

afterAll(async () => {
  await handle?.close();
  if (stack?.pid !== undefined && stack.exitCode === null && stack.signalCode === null) {
    // A failed test: stop the stack as a person would, then make sure.
    const tree = descendants(stack.pid);
    const exit = new Promise((done) => stack!.once('exit', done));
    stack.kill('SIGINT');
    await Promise.race([exit, new Promise((r) => setTimeout(r, 20_000))]);
    for (const { pid } of [{ pid: stack.pid }, ...tree]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(tmp, { recursive: true, force: true });
}, 30_000);

/** The pids of `root`'s descendants (functions-framework servers, gcloud and its java emulator). */
function descendants(root: number): { pid: number; args: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const found: { pid: number; args: string }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      queue.push(row.pid);
    }
  }
  return found;
}

/** True while `pid` runs (a zombie, dead but not yet reaped, does not count). */
function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).startsWith('Z');
  } catch {
    return false; // ps exits 1: no such process
  }
}

describe.skipIf(!hasGcloud)('metdb dev: the cloud stack on this machine', () => {
  it('turns dropped files into rows, reprocesses on request, and stops cleanly on SIGINT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PUBSUB_EMULATOR_HOST; // start our own, so that stopping it is ours to check
    const args = ['--folder', folder, '--db', dbPath, '--state-dir', tmp];
    stack = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', WRAPPER, '--', ...args],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    stack.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    stack.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => stack!.once('exit', (code) => done(code)));

    await until('the banner', 180_000, () => {
      if (stack!.exitCode !== null) throw new Error(`the stack exited early:\n${output}`);
      return Promise.resolve(output.includes('Ctrl-C stops everything') ? true : undefined);
    });
    const started = descendants(stack.pid!);
    expect(started.filter((p) => p.args.includes('functions-framework'))).toHaveLength(5);
    expect(started.some((p) => p.args.includes('emulators pubsub start'))).toBe(true);

    const dataset = join(folder, 'series-a');
    mkdirSync(dataset, { recursive: true });
    writeFileSync(join(dataset, 'metdb.json'), JSON.stringify(SETTINGS));
    copyFileSync(join(SERIES, moving.file), join(dataset, moving.file));
    copyFileSync(join(SERIES, truth.reference), join(dataset, truth.reference));

    handle = await connectDatabase({ kind: 'sqlite', path: dbPath });
    const db = handle.db;
    const doneJob = (version: number) =>
      until(`job v${version} done`, 120_000, async () => {
        const job = await db
          .selectFrom('jobs')
          .innerJoin('registrations', 'registrations.job_id', 'jobs.id')
          .select([
            'jobs.state',
            'jobs.version',
            'jobs.parameters',
            'registrations.shift_y',
            'registrations.shift_x',
          ])
          .where('jobs.version', '=', version)
          .executeTakeFirst();
        return job?.state === 'done' ? job : undefined;
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${output}`);
      });

    const first = await doneJob(1);
    expect(Math.abs(first.shift_y - moving.expected[0]!)).toBeLessThan(0.05);
    expect(Math.abs(first.shift_x - moving.expected[1]!)).toBeLessThan(0.05);
    const images = await db
      .selectFrom('images')
      .select(['source_object', 'status', 'storage_path'])
      .execute();
    expect(images.map((i) => [i.source_object, i.status]).sort()).toEqual([
      [`series-a/${truth.reference}`, 'ingested'],
      [`series-a/${moving.file}`, 'ingested'],
    ]);
    for (const image of images) expect(existsSync(join(folder, image.storage_path))).toBe(true);
    expect(output).toContain(`upload   series-a/${moving.file}`);
    const doneLine = /job .* v1 series-a\/frame_01\.tif {2}done {2}shift y=-1\.3\d\d x=0\.[67]\d\d px/;
    await until('the job line', 5_000, () => Promise.resolve(doneLine.test(output) ? true : undefined));
    // publishOutputs writes the dataset's outputs into the bucket folder, manifest last.
    const { id: datasetId } = await db.selectFrom('datasets').select('id').executeTakeFirstOrThrow();
    const outputsOf = async (version: number, revision: number) => {
      const prefix = `outputs/${datasetId}/v${version}/r${revision}/`;
      await until(`the outputs ${prefix}`, 120_000, () =>
        Promise.resolve(existsSync(join(folder, prefix, 'outputs.json')) ? true : undefined),
      );
      await until('the outputs line', 5_000, () =>
        Promise.resolve(output.includes(`outputs  ${prefix}`) ? true : undefined),
      );
      return JSON.parse(readFileSync(join(folder, prefix, 'shifts.json'), 'utf8')) as {
        images: { file: string; shift: number[] | null }[];
      };
    };
    const firstOutputs = await outputsOf(1, 1);
    expect(firstOutputs.images.map((i) => [i.file, i.shift])).toEqual([
      [truth.reference, [0, 0]],
      [moving.file, [first.shift_y, first.shift_x]],
    ]);

    const lines: string[] = [];
    const published = await devCommand(
      ['publish-reprocess', 'series-a', '{"upsampleFactor":50}', '--state-dir', tmp],
      (line) => void lines.push(line),
    );
    expect(published).toBe(0);
    expect(lines.join('\n')).toMatch(/published message \d+ to metdb-reprocess/);
    const second = await doneJob(2);
    expect(String(second.parameters)).toMatch(/"upsampleFactor":50\b/);
    expect(Math.abs(second.shift_y - moving.expected[0]!)).toBeLessThan(0.05);
    expect(Math.abs(second.shift_x - moving.expected[1]!)).toBeLessThan(0.05);
    const secondOutputs = await outputsOf(2, 2);
    expect(secondOutputs.images[1]!.shift).toEqual([second.shift_y, second.shift_x]);
    // The outputs in the bucket folder are not taken for uploads.
    expect(await db.selectFrom('images').select('id').execute()).toHaveLength(2);

    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGINT: stopping the dev stack');
    // A process killed a moment ago may linger as a zombie until reaped: give the kernel a few seconds.
    const left = await until('the stopped processes to go', 10_000, () => {
      const running = started.filter((p) => alive(p.pid));
      return Promise.resolve(running.length === 0 ? running : undefined);
    }).catch(() => started.filter((p) => alive(p.pid)));
    expect(left).toEqual([]);
    expect(existsSync(join(tmp, 'state.json'))).toBe(false);
  }, 600_000);
});
