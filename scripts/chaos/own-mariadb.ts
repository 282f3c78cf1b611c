import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection as connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../dev-cloud/free-port.js';

export interface OwnMariadb {
  /** `mysql://root@127.0.0.1:<port>/metdb_chaos` */
  readonly url: string;
  readonly port: number;
  /** Kills the server with SIGKILL (an outage: connections drop, nothing is flushed politely). */
  kill(): Promise<void>;
  /** Starts the server again on the same port and datadir, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its datadir. */
  stop(): Promise<void>;
}

/**
 * A MariaDB server of the chaos suite's own (`mariadb-install-db` into a fresh datadir, then
 * `mariadbd` on a free port with its own socket), so a database outage can be made by killing it
 * without touching the shared server on 3306. Needs `mariadbd` and `mariadb-install-db` on PATH
 * (or in /usr/sbin).
 */
export async function startOwnMariadb(): Promise<OwnMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-chaos-mariadb-'));
  const datadir = join(dir, 'data');
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, '--user=root', '--auth-root-authentication-method=normal'],
    { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` } },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.error?.message || ''}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  const start = async () => {
    const server = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'mysqld.sock')}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--user=root',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        '--max-connections=200',
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` },
      },
    );
    child = server;
    exited = new Promise((resolve) => server.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (!(await accepts(port))) {
      if (server.exitCode !== null) throw new Error(`mariadbd exited with ${server.exitCode}`);
      if (Date.now() > deadline) throw new Error('mariadbd did not accept connections within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const kill = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  await start();
  return {
    url: `mysql://root@127.0.0.1:${port}/metdb_chaos`,
    port,
    kill,
    start,
    stop: async () => {
      process.removeListener('exit', onExit);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
