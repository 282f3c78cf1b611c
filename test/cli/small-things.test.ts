import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the real CLI entry point (TypeScript through tsx), from `cwd`. */
function metdb(args: string[], cwd = root) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('metdb command line', () => {
  it('prints the package version with --version', () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
      .version;
    const r = metdb(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`metdb ${version}\n`);
  });

  it('says in one line that a run folder is missing or a file, with exit code 2', () => {
    const missing = metdb(['run', join(scratch, 'no-such-folder')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`metdb: no such folder: ${join(scratch, 'no-such-folder')}\n`);
    const file = join(root, 'samples/series/frame_00.tif');
    const notFolder = metdb(['run', file]);
    expect(notFolder.code).toBe(2);
    expect(notFolder.stderr.trim().split('\n')).toEqual([
      `metdb: ${file} is a file, not a folder (give the folder that holds the images)`,
    ]);
    expect(metdb(['watch', join(scratch, 'no-such-folder')]).code).toBe(2);
    // Nothing was started, so nothing was written.
    expect(metdb(['run', join(scratch, 'gone')], scratch).stdout).toBe('');
  });

  it('states the --upsample limits and enforces them before reading any image', () => {
    const help = metdb(['register', '--help']);
    expect(help.stdout).toMatch(/--upsample N .*1 \(whole pixels\) to 1000/);
    for (const bad of ['0', '0.5', '1001', 'abc', '']) {
      const r = metdb(['register', 'missing-a.tif', 'missing-b.tif', '--upsample', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/^metdb: --upsample must be a number from 1 \(whole pixels\) to 1000/);
    }
    const ok = metdb([
      'register',
      'samples/u2os/reference.tif',
      'samples/u2os/moving.tif',
      '--upsample',
      '1000',
      '--json',
    ]);
    expect(ok.code).toBe(0);
  });
});
