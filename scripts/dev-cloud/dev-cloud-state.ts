/**
 * The contract between the dev stack (scripts/dev-cloud.ts), which writes its state file at start,
 * and the commands that reach the running stack through it (`metdb dev publish-reprocess`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MetdbError } from '../../shared/errors/metdb-error.js';

/** Where the stack keeps its state file, logs and (by default) its bucket folder and SQLite file. */
export const DEV_CLOUD_STATE_DIR = '.metdb/dev-cloud';

/** What a running stack writes to `<state-dir>/state.json` so other commands can reach it. */
export interface DevCloudState {
  pid: number;
  projectId: string;
  /** `127.0.0.1:<port>`, the value for `PUBSUB_EMULATOR_HOST`. */
  emulatorHost: string;
  /** Topic ids. */
  topics: { uploads: string; tiles: string; aggregate: string; reprocess: string; outputs?: string };
  /** A `--db` target: mysql URL or SQLite path (absolute). */
  database: string;
  /** The bucket folder (absolute) and the bucket name it stands for. */
  folder: string;
  bucket: string;
  /** Function target to base URL. */
  functions: Record<string, string>;
}

/** The state of the running stack, or a `not-found` error saying how to start one. */
export function readDevCloudState(stateDir: string): DevCloudState {
  const path = resolve(stateDir, 'state.json');
  let state: DevCloudState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as DevCloudState;
  } catch {
    throw new MetdbError(
      'not-found',
      `no running dev stack (${path} missing): start one with "npm run dev:cloud"`,
    );
  }
  if (!isAlive(state.pid))
    throw new MetdbError('not-found', `the dev stack of ${path} (pid ${state.pid}) is not running`);
  return state;
}

/** Whether process `pid` runs (EPERM: it runs, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
