import { spawn } from 'node:child_process';
import { freePort, waitForHttp } from './free-port.js';

export interface PubSubEmulator {
  /** `127.0.0.1:<port>`, the value for `PUBSUB_EMULATOR_HOST`. */
  readonly host: string;
  readonly projectId: string;
  /** True if this call started the emulator (false when an existing one was reused). */
  readonly started: boolean;
  /** The emulator's output so far (when started here). */
  output(): string;
  /** Stops the emulator if this call started it (the whole process group: gcloud and its java child). */
  stop(): Promise<void>;
}

export interface StartPubSubEmulatorOptions {
  /** @default process.env.GOOGLE_CLOUD_PROJECT, else 'demo-metdb' */
  projectId?: string;
  /** Reuse `PUBSUB_EMULATOR_HOST` when it is set and answers. @default true */
  reuse?: boolean;
  /** How long to wait for the emulator to answer, in ms. @default 60000 */
  timeoutMs?: number;
}

/**
 * The Google Pub/Sub emulator for a test file. Reuses `PUBSUB_EMULATOR_HOST` when set and reachable
 * (CI starts one), otherwise runs `gcloud beta emulators pubsub start` on a free port in its own
 * process group, waits until it answers, and kills the group on `stop()` (and at process exit, as
 * a safety net). It does not set `PUBSUB_EMULATOR_HOST`: the caller decides.
 */
export async function startPubSubEmulator(options: StartPubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  const projectId = options.projectId ?? (process.env.GOOGLE_CLOUD_PROJECT || 'demo-metdb');
  const existing = process.env.PUBSUB_EMULATOR_HOST;
  if ((options.reuse ?? true) && existing) {
    const alive = await fetch(`http://${existing}/`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (alive)
      return { host: existing, projectId, started: false, output: () => '', stop: () => Promise.resolve() };
  }

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn(
    'gcloud',
    ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--project=${projectId}`],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    }),
  );
  child.once('error', (error) => void (exited = error.message));
  const pgid = child.pid;
  const killGroup = (signal: NodeJS.Signals) => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      // the group is gone already
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
    killGroup('SIGKILL'); // the java child may outlive gcloud's python
  };
  try {
    await waitForHttp(`http://${host}/`, options.timeoutMs ?? 60_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`Pub/Sub emulator did not start: ${(error as Error).message}\n${output}`);
  }
  return { host, projectId, started: true, output: () => output, stop };
}
