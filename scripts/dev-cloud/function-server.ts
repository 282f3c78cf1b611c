import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, waitForHttp } from './free-port.js';

export interface FunctionServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly target: string;
  /** What the function process wrote to stdout and stderr so far (the last 100 kB). */
  output(): string;
  stop(): Promise<void>;
  /** Kills the process with SIGKILL, as a crashed instance dies (nothing can clean up), and waits for it. */
  kill(): Promise<void>;
}

export interface StartFunctionOptions {
  /** The compiled module exporting the target. @default 'dist/functions/index.js' */
  source?: string;
  /** @default a free port */
  port?: number;
  /**
   * Added to the parent's environment, after `METADATA_SERVER_DETECTION=none` (no GCE metadata
   * probes from the Google clients: there is no metadata server here). @default {}
   */
  env?: Record<string, string>;
  /** @default 'cloudevent' */
  signatureType?: 'cloudevent' | 'http' | 'event';
  /** @default 30000 */
  timeoutMs?: number;
  /** Called with every chunk the process writes to stdout or stderr (`output()` keeps only the last 100 kB). */
  onOutput?: (chunk: string) => void;
}

const MAIN = 'node_modules/@google-cloud/functions-framework/build/src/main.js';

/**
 * Serves one function target with the real functions-framework CLI (`node .../main.js --target=...`)
 * and resolves once it answers HTTP. `stop()` kills it and waits for the process to exit.
 */
export async function startFunction(
  target: string,
  options: StartFunctionOptions = {},
): Promise<FunctionServer> {
  const port = options.port ?? (await freePort());
  const source = resolve(options.source ?? 'dist/functions/index.js');
  const child = spawn(
    process.execPath,
    [
      resolve(MAIN),
      `--target=${target}`,
      `--signature-type=${options.signatureType ?? 'cloudevent'}`,
      `--source=${source}`,
      `--port=${port}`,
    ],
    {
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-100_000);
    options.onOutput?.(text);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      done();
    }),
  );
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    }
  };
  const kill = async () => {
    process.removeListener('exit', onExit);
    if (exited === undefined) {
      child.kill('SIGKILL');
      await exit;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(url, options.timeoutMs ?? 30_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`function ${target} did not start: ${(error as Error).message}\n${output}`);
  }
  return { url, port, target, output: () => output, stop, kill };
}
