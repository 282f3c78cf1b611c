/**
 * `metdb dev [--folder DIR] [--db URL|PATH] [--port-base N] [--state-dir DIR]`
 * `metdb dev publish-reprocess <dataset name or id> ['{"upsampleFactor":50}'] [--request-id ID] [--reason TEXT] [--state-dir DIR]`
 *
 * The first form starts the cloud stack locally (the Pub/Sub emulator, the four functions served
 * by functions-framework from dist/, a watched folder as the bucket, a database) by running
 * `scripts/dev-cloud.ts` through tsx: a developer tool that needs the repository checkout and its
 * devDependencies (its harness, scripts/dev-cloud/, is the integration tests' too). See docs/dev-cloud.md.
 * The second form publishes a `ReprocessMessage` (docs/messages.md) to the running stack's
 * reprocess topic, found through `<state-dir>/state.json`, which the stack writes at start.
 * Returns the process exit code: 0 done, 1 failed, 2 bad usage.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import { MetdbError } from '../shared/errors/metdb-error.js';
import { parseDatabaseTarget } from '../shared/adapters/database-config.js';
import { connectDatabase } from '../shared/adapters/open-database.js';
import { UsageError } from './usage-error.js';
import {
  DEV_CLOUD_STATE_DIR,
  readDevCloudState,
  type DevCloudState,
} from '../scripts/dev-cloud/dev-cloud-state.js';

export const DEV_USAGE = `usage: metdb dev [--folder DIR] [--db mysql://...|sqlite-path] [--port-base N] [--state-dir DIR]
       metdb dev publish-reprocess <dataset name or id> ['<params JSON>'] [--request-id ID] [--reason TEXT] [--state-dir DIR]`;

export async function devCommand(args: string[], out: (line: string) => void): Promise<number> {
  if (args[0] === 'publish-reprocess') return publishReprocess(args.slice(1), out);
  if (args.includes('-h') || args.includes('--help')) {
    out(DEV_USAGE);
    return 0;
  }
  return runStack(args);
}

/** Runs scripts/dev-cloud.ts in a child process; Ctrl-C reaches it through the terminal, we wait. */
function runStack(args: string[]): Promise<number> {
  const root = repositoryRoot();
  const script = join(root, 'scripts', 'dev-cloud.ts');
  const tsx = import.meta.resolve('tsx');
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsx, script, ...args], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const finish = (code: number) => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      done(code);
    };
    child.once('error', () => finish(1));
    child.once('exit', (code) => finish(code ?? 1));
  });
}

async function publishReprocess(args: string[], out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        'state-dir': { type: 'string', default: DEV_CLOUD_STATE_DIR },
        'request-id': { type: 'string' },
        reason: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, DEV_USAGE);
  }
  const { values, positionals } = parsed;
  const [dataset, paramsText = '{}', ...extra] = positionals;
  if (dataset === undefined || extra.length > 0)
    throw new UsageError('publish-reprocess needs a dataset and at most one params JSON', DEV_USAGE);
  let params: unknown;
  try {
    params = JSON.parse(paramsText);
  } catch {
    throw new UsageError(`params are not JSON: ${paramsText}`, DEV_USAGE);
  }
  process.env.METADATA_SERVER_DETECTION = 'none'; // no GCE metadata probes: there is no metadata server
  const state = readDevCloudState(values['state-dir']);
  const datasetId = await datasetIdOf(state, dataset);
  const message = {
    schemaVersion: 1,
    datasetId,
    params,
    ...(values['request-id'] === undefined ? {} : { requestId: values['request-id'] }),
    requestedBy: 'metdb dev',
    ...(values.reason === undefined ? {} : { reason: values.reason }),
  };
  const pubsub = new PubSub({
    projectId: state.projectId,
    apiEndpoint: state.emulatorHost,
    emulatorMode: true,
  });
  try {
    const id = await pubsub.topic(state.topics.reprocess).publishMessage({
      data: Buffer.from(JSON.stringify(message), 'utf8'),
      attributes: {
        schemaVersion: '1',
        datasetId,
        ...(values['request-id'] === undefined ? {} : { requestId: values['request-id'] }),
      },
    });
    out(`published message ${id} to ${state.topics.reprocess}: ${JSON.stringify(message)}`);
  } catch (error) {
    throw new MetdbError(
      'unavailable',
      `could not publish to ${state.topics.reprocess} at ${state.emulatorHost}`,
      {
        cause: error,
      },
    );
  } finally {
    await pubsub.close();
  }
  return 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A dataset id as given, or the id of the dataset with that name (the upload folder's name). */
async function datasetIdOf(state: DevCloudState, dataset: string): Promise<string> {
  if (UUID.test(dataset)) return dataset;
  const handle = await connectDatabase(parseDatabaseTarget(state.database, { poolSize: 1 }));
  try {
    const row = await handle.db
      .selectFrom('datasets')
      .select('id')
      .where('name', '=', dataset)
      .executeTakeFirst();
    if (row === undefined) throw new MetdbError('not-found', `no dataset named ${JSON.stringify(dataset)}`);
    return row.id;
  } finally {
    await handle.close();
  }
}

/** The checkout this file belongs to (cli/ under tsx, dist/cli/ once built). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'dev-cloud.ts'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new MetdbError('not-found', 'metdb dev needs the repository checkout (scripts/dev-cloud.ts)');
    dir = parent;
  }
}
