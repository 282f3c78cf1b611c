import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface MetdbRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real CLI entry point (cli/main.ts, TypeScript through tsx) in a child process with
 * `args`, from `cwd`, and returns its exit code and output.
 */
export function runMetdb(
  args: readonly string[],
  { cwd = REPO_ROOT, timeout }: { cwd?: string; timeout?: number } = {},
): MetdbRun {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli/main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    ...(timeout === undefined ? {} : { timeout }),
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
