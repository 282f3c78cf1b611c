import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMetdb } from '../support/run-metdb.js';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'metdb-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the real CLI entry point (TypeScript through tsx), from `cwd`. */
const metdb = (args: string[], cwd = root) => runMetdb(args, { cwd });

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

  it('names the stacked average modes full, crop and none, and refuses others before running', () => {
    const r = metdb(['run', join(root, 'samples/series'), '--average', 'middle']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('metdb: --average must be full, crop or none, got "middle"');
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

describe('metdb run', () => {
  it('prints the same counts as the report (the reference apart) and lists duplicates', () => {
    const folder = join(scratch, 'pair');
    cpSync(join(root, 'test/fixtures/units/bbbc022_pair'), folder, { recursive: true });
    copyFileSync(join(folder, 'b_moving.tif'), join(folder, 'c_same_bytes.tif'));
    writeFileSync(join(folder, 'metdb.json'), '{"tileSize": 64}\n'); // several tiles: a verdict of good
    const out = join(scratch, 'pair-out');
    const r = metdb(['run', folder, '--out', out, '--workers', '1']);
    expect(r.code).toBe(0);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(/^metdb run pair: 2 images, 1 reference, 1 registered, 0 failed;/);
    // The first of two identical files in name order is the image, whatever the ingest timing.
    expect(r.stdout).toMatch(/duplicates \(same bytes as an image already in\): c_same_bytes\.tif/);
    expect(r.stdout).toMatch(/^ {2}b_moving\.tif\s+registered /m);
    expect(r.stdout).toContain('registered.ome.zarr');
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toMatch(/<th>images<\/th><td>2<\/td>/);
    expect(report).toMatch(/<th>registered<\/th><td>1<\/td>/);
  }, 60_000);
});
