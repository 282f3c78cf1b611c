/**
 * `npm run dev:cloud [-- --folder DIR --db URL|PATH --port-base N --state-dir DIR]` (or `metdb dev`):
 * the cloud stack on this machine, so a person can drop files and watch rows appear.
 *
 * Starts (and on Ctrl-C stops, exit code 0) the Pub/Sub emulator (or reuses `PUBSUB_EMULATOR_HOST`),
 * the four functions served by functions-framework over HTTP from dist/ (rebuilt when stale), the
 * topics with push subscriptions, retry and dead-letter policies as infra/ deploys them, and a
 * database (SQLite file, or a MySQL URL whose database is created if missing). A folder stands
 * for the bucket: a file that appears under `<folder>/<dataset>/...` and keeps its size and
 * modification time for a second is announced on the uploads topic as a GCS `OBJECT_FINALIZE`
 * notification (JSON_API_V1), as a bucket notification would. Then it prints one line per new
 * dataset, image row and job state change (the database polled every second).
 *
 * A developer tool run through tsx (`metdb dev` spawns it); its harness in scripts/dev-cloud/
 * (emulator, topology, function servers, notification builder) serves the integration tests too.
 * It imports nothing from the CLI: `publish-reprocess` is the CLI's. See docs/dev-cloud.md.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { createMysqlDatabase } from './dev-cloud/create-mysql-database.js';
import { parseDatabaseTarget } from '../shared/adapters/database-config.js';
import type { Database } from '../shared/records/database-schema.js';
import { migrateToLatest } from '../shared/records/migrate.js';
import { connectDatabase } from '../shared/adapters/open-database.js';
import { DEV_CLOUD_STATE_DIR, isAlive, type DevCloudState } from './dev-cloud/dev-cloud-state.js';
import { startFunction, type FunctionServer } from './dev-cloud/function-server.js';
import { startPubSubEmulator } from './dev-cloud/pubsub-emulator.js';
import { createTopology, type Topology } from './dev-cloud/pubsub-topology.js';
import { gcsNotification, objectResource } from './dev-cloud/storage-events.js';
import { buildDistIfStale } from './dev-cloud/build-dist.js';
import { devFunctionEnv } from './dev-cloud/function-env.js';

const USAGE =
  'usage: dev-cloud [--folder DIR] [--db mysql://...|sqlite-path] [--port-base N] [--state-dir DIR]';
const TARGETS = ['ingest', 'registerTile', 'aggregate', 'reprocess', 'publishOutputs'] as const;
/** A file must keep its size and mtime this long (ms) before it is announced. */
const QUIET_MS = 1000;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;
let wake: () => void = () => undefined;
const stopRequested = new Promise<void>((r) => (wake = r));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) say(`\n${signal}: stopping the dev stack...`);
    stopping = true;
    wake();
  });
}

async function main(argv: string[]): Promise<number> {
  process.env.METADATA_SERVER_DETECTION = 'none'; // no GCE metadata probes from the Google clients
  const { values } = parseArgs({
    args: argv,
    options: {
      folder: { type: 'string' },
      db: { type: 'string' },
      'port-base': { type: 'string' },
      'state-dir': { type: 'string', default: DEV_CLOUD_STATE_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return (say(USAGE), 0);
  const stateDir = resolve(values['state-dir']);
  const folder = resolve(values.folder ?? join(stateDir, 'bucket'));
  const target = values.db ?? join(stateDir, 'metdb.sqlite');
  const database = /^[a-z][a-z0-9+.-]*:/i.test(target) ? target : resolve(target);
  const portBase = values['port-base'] === undefined ? undefined : Number(values['port-base']);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0 && portBase < 65532))
    throw new Error(`--port-base must be a port number, got ${values['port-base']}`);
  const stateFile = join(stateDir, 'state.json');
  if (existsSync(stateFile)) {
    const other = (JSON.parse(await readFile(stateFile, 'utf8')) as DevCloudState).pid;
    if (isAlive(other)) throw new Error(`a dev stack (pid ${other}) already runs with ${stateFile}`);
  }
  process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..')); // dist/ and node_modules/ are here
  const bucket = basename(folder);
  mkdirSync(folder, { recursive: true });
  mkdirSync(join(stateDir, 'logs'), { recursive: true });

  say('building dist/ if stale...');
  buildDistIfStale();
  const config = parseDatabaseTarget(database, { poolSize: 1 });
  if (config.kind === 'mysql') await createMysqlDatabase(config.url);
  const handle = await connectDatabase(config);
  cleanups.push(() => handle.close());
  await migrateToLatest(handle.db);
  if (stopping) return 0;

  const emulator = await startPubSubEmulator();
  cleanups.push(async () => {
    await emulator.stop();
    if (emulator.started) await untilClosed(emulator.host, 10_000); // the java child dies a moment later
  });
  if (stopping) return 0;
  const suffix = emulator.started ? '' : `-${randomUUID().slice(0, 8)}`; // a shared emulator: unique ids
  const topics = {
    uploads: `metdb-uploads${suffix}`,
    tiles: `metdb-tiles${suffix}`,
    aggregate: `metdb-aggregate${suffix}`,
    reprocess: `metdb-reprocess${suffix}`,
    outputs: `metdb-outputs${suffix}`,
  };
  const env = devFunctionEnv({ database, folder, emulator, topics });
  const servers = await Promise.all(
    TARGETS.map(async (fn, i) => {
      const server = await startFunction(fn, {
        env,
        ...(portBase === undefined ? {} : { port: portBase + i }),
        // Five servers load the whole of dist/ at once: give a busy laptop time.
        timeoutMs: 90_000,
      });
      cleanups.push(() => server.stop());
      return server;
    }),
  );
  if (stopping) return 0;
  const url = (fn: string) => servers.find((s) => s.target === fn)!.url;
  const push = { ackDeadlineSeconds: 60, maxDeliveryAttempts: 5 };
  const topology = await createTopology(emulator.host, emulator.projectId, [
    { topic: topics.uploads, pushTo: url('ingest'), ...push },
    { topic: topics.tiles, pushTo: url('registerTile'), ...push },
    { topic: topics.aggregate, pushTo: url('aggregate'), ...push },
    { topic: topics.reprocess, pushTo: url('reprocess'), ...push },
    { topic: topics.outputs, pushTo: url('publishOutputs'), ...push },
  ]);
  cleanups.push(() => topology.destroy());

  const state: DevCloudState = {
    pid: process.pid,
    projectId: emulator.projectId,
    emulatorHost: emulator.host,
    topics,
    database,
    folder,
    bucket,
    functions: Object.fromEntries(servers.map((s) => [s.target, s.url])),
  };
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  cleanups.push(() => Promise.resolve(rmSync(stateFile, { force: true })));
  banner(state, env, stateDir, emulator.started);

  const loops = [
    every(500, () => scanFolder(folder, bucket, topology, topics.uploads)),
    every(1000, () => reportRows(handle.db)),
    every(1000, () => reportOutputs(folder)),
    every(1000, () => Promise.resolve(pumpLogs(servers, join(stateDir, 'logs')))),
  ];
  await stopRequested;
  await Promise.all(loops.map((stop) => stop()));
  pumpLogs(servers, join(stateDir, 'logs'));
  return 0;
}

/** Runs `tick` every `ms` (never overlapping) until the returned stop is called and the last tick ends. */
function every(ms: number, tick: () => Promise<void>): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = tick()
      .catch((error: unknown) => say(`! ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        if (!stopping) timer = setTimeout(loop, ms);
      });
  };
  loop();
  return async () => {
    clearTimeout(timer);
    await running;
  };
}

// ---- the folder as a bucket -------------------------------------------------------------------

const files = new Map<string, { signature: string; announced?: string }>();

/**
 * One pass over the folder: files whose size and mtime did not change since the last pass and are
 * older than QUIET_MS are announced once per generation (mtime in ns, as the local-folder adapter
 * reports it). Skipped: the top-level `datasets/` (canonical copies written by ingest), `outputs/`
 * (written by publishOutputs) and any name
 * with a segment starting with `.` (staging folder `.metdb-tmp/`, editor and OS files).
 */
async function scanFolder(root: string, bucket: string, topology: Topology, topic: string): Promise<void> {
  const seen = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.name.startsWith('.') || (prefix === '' && ['datasets', 'outputs'].includes(entry.name)))
        continue;
      const key = `${prefix}${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${key}/`);
      else if (entry.isFile()) {
        seen.add(key);
        await consider(root, key, bucket, topology, topic);
      }
    }
  };
  await walk(root, '');
  for (const key of files.keys()) if (!seen.has(key)) files.delete(key);
}

async function consider(root: string, key: string, bucket: string, topology: Topology, topic: string) {
  const info = await stat(join(root, key), { bigint: true }).catch(() => undefined);
  if (info === undefined) return;
  const generation = info.mtimeNs.toString();
  const signature = `${info.size}:${generation}`;
  const known = files.get(key);
  files.set(key, { signature, ...(known?.announced === undefined ? {} : { announced: known.announced }) });
  const quiet = Date.now() - Number(info.mtimeMs) >= QUIET_MS;
  if (known?.signature !== signature || !quiet || known.announced === generation) return;
  const bytes = await readFile(join(root, key));
  const after = await stat(join(root, key), { bigint: true }).catch(() => undefined);
  if (after?.mtimeNs.toString() !== generation || bytes.length !== Number(after.size)) return; // changed: next pass
  const resource = objectResource(bucket, key, bytes, generation, Number(info.mtimeMs));
  const id = await topology.pubsub.topic(topic).publishMessage(gcsNotification(resource));
  files.set(key, { signature, announced: generation });
  say(`upload   ${key} (${bytes.length} bytes, generation ${generation}) -> ${topic} message ${id}`);
}

// ---- rows as they appear ----------------------------------------------------------------------

const shown = new Map<string, string>();

/** Prints new datasets, image rows and job states (with the shift once a job is done). */
async function reportRows(db: Kysely<Database>): Promise<void> {
  const once = (key: string, value: string, line: () => string) => {
    if (shown.get(key) === value) return;
    shown.set(key, value);
    say(line());
  };
  for (const d of await db.selectFrom('datasets').select(['id', 'name']).execute())
    once(`d:${d.id}`, '', () => `dataset  ${d.name}  id=${d.id}`);
  const images = await db
    .selectFrom('images')
    .select(['id', 'source_object', 'status', 'failure_reason', 'width', 'height', 'depth', 'pixel_type'])
    .execute();
  const names = new Map(images.map((i) => [i.id, i.source_object]));
  for (const i of images)
    once(`i:${i.id}`, i.status, () =>
      i.status === 'failed'
        ? `image    ${i.source_object}  failed: ${i.failure_reason ?? '?'}`
        : `image    ${i.source_object}  ${i.status}  ${i.width}x${i.height}x${i.depth} ${i.pixel_type}  id=${i.id}`,
    );
  const jobs = await db
    .selectFrom('jobs')
    .leftJoin('registrations', 'registrations.job_id', 'jobs.id')
    .select([
      'jobs.id',
      'jobs.version',
      'jobs.moving_image_id',
      'jobs.state',
      'jobs.tiles_done',
      'jobs.tiles_total',
      'jobs.failure_reason',
      'registrations.shift_y',
      'registrations.shift_x',
      'registrations.ncc_before',
      'registrations.ncc_after',
    ])
    .execute();
  for (const j of jobs) {
    const moving = names.get(j.moving_image_id) ?? j.moving_image_id;
    const head = `job      ${j.id.slice(-12)} v${j.version} ${moving}  ${j.state}`;
    once(`j:${j.id}`, `${j.state}${j.shift_y === null ? '' : ':r'}`, () => {
      if (j.state === 'failed') return `${head}: ${j.failure_reason ?? '?'}`;
      if (j.state !== 'done' || j.shift_y === null || j.shift_x === null)
        return `${head}  tiles ${j.tiles_done}/${j.tiles_total}`;
      const ncc =
        j.ncc_before === null || j.ncc_after === null
          ? ''
          : `  NCC ${fix(j.ncc_before)} -> ${fix(j.ncc_after)}`;
      return `${head}  shift y=${fix(j.shift_y)} x=${fix(j.shift_x)} px${ncc}`;
    });
  }
}

const fix = (n: number): string => Number(n).toFixed(3);

/** Prints each outputs snapshot once its manifest (written last by publishOutputs) is there. */
async function reportOutputs(folder: string): Promise<void> {
  const root = join(folder, 'outputs');
  for (const dataset of await readdir(root).catch(() => []))
    for (const version of await readdir(join(root, dataset)).catch(() => []))
      for (const revision of await readdir(join(root, dataset, version)).catch(() => [])) {
        const prefix = `outputs/${dataset}/${version}/${revision}/`;
        if (shown.has(prefix) || !existsSync(join(folder, prefix, 'outputs.json'))) continue;
        shown.set(prefix, '');
        say(`outputs  ${prefix} (${join(folder, prefix)}: shifts.csv, registered/, report.html...)`);
      }
}

// ---- function logs ----------------------------------------------------------------------------

const logged = new Map<string, string>();

/** Appends each function's new output to `<logs>/<target>.log`; echoes WARNING and ERROR lines. */
function pumpLogs(servers: readonly FunctionServer[], logs: string): void {
  for (const server of servers) {
    const now = server.output();
    const before = logged.get(server.target) ?? '';
    logged.set(server.target, now);
    let fresh = now;
    if (now.startsWith(before)) fresh = now.slice(before.length);
    else {
      const tail = before.slice(-300);
      const at = tail === '' ? -1 : now.lastIndexOf(tail);
      if (at >= 0) fresh = now.slice(at + tail.length);
    }
    if (fresh === '') continue;
    appendFileSync(join(logs, `${server.target}.log`), fresh);
    for (const text of fresh.split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as { severity?: string; message?: string };
        if (line.severity === 'WARNING' || line.severity === 'ERROR' || line.severity === 'CRITICAL')
          say(`! ${server.target} ${line.severity}: ${line.message ?? text}`);
      } catch {
        // not a log line
      }
    }
  }
}

// ---- start-up helpers -------------------------------------------------------------------------

function banner(state: DevCloudState, env: Record<string, string>, stateDir: string, started: boolean) {
  const rel = (p: string) => (p.startsWith(`${process.cwd()}/`) ? p.slice(process.cwd().length + 1) : p);
  const flag = stateDir === resolve(DEV_CLOUD_STATE_DIR) ? '' : ` --state-dir ${stateDir}`;
  const publish = JSON.stringify({
    schemaVersion: 1,
    datasetId: '<datasetId>',
    params: { upsampleFactor: 50 },
  });
  say(
    [
      '',
      'Met-db dev stack is running.',
      `  Pub/Sub emulator  ${state.emulatorHost} (project ${state.projectId}${started ? '' : ', reused'})`,
      ...Object.entries(state.functions).map(
        ([fn, u]) => `  ${fn.padEnd(17)} ${u}  (functions-framework, dist/)`,
      ),
      `  topics            ${Object.values(state.topics).join(', ')} (+ -dead-letter, pull: <topic>-dead-letter-pull)`,
      `  database          ${state.database}`,
      `  bucket "${state.bucket}"    ${state.folder}`,
      `  logs, state       ${stateDir}/logs/<function>.log, ${stateDir}/state.json`,
      '',
      'Environment of the functions:',
      ...Object.entries(env).map(([k, v]) => `  ${k}=${v}`),
      '',
      `Drop files into ${state.folder}/<dataset>/ (e.g. cp frames/*.tif ${rel(state.folder)}/series-1/);`,
      `optional settings in <dataset>/metdb.json (drop it first). Canonical copies appear under datasets/.`,
      'Reprocess a dataset (by name or id) with other parameters:',
      `  npm run dev:cloud -- publish-reprocess <dataset> '{"upsampleFactor":50}'${flag}`,
      `  (or: npx metdb dev publish-reprocess ..., or with curl against the emulator:)`,
      `  curl -s -X POST http://${state.emulatorHost}/v1/projects/${state.projectId}/topics/${state.topics.reprocess}:publish \\`,
      `    -H 'content-type: application/json' -d "{\\"messages\\":[{\\"data\\":\\"$(echo -n '${publish}' | base64 -w0)\\"}]}"`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/** Resolves once nothing accepts connections at `host` (or after `timeoutMs`). */
async function untilClosed(host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (!open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  say(`dev-cloud: ${error instanceof Error ? error.message : String(error)}`);
}
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
process.exit(code);
