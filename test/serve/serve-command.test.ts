import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMetdb } from '../support/run-metdb.js';

const scratch = mkdtempSync(join(tmpdir(), 'metdb-serve-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The real CLI entry point (TypeScript through tsx). */
const metdb = (args: string[]) => runMetdb(args, { timeout: 60_000 });

describe('metdb serve on bad input', () => {
  it('says in one line that the output folder is missing, with exit code 2', () => {
    const r = metdb(['serve', join(scratch, 'no-such-run')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`metdb: no such folder: ${join(scratch, 'no-such-run')}\n`);
  });

  it('says in one line that a folder is not the output of a run', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const r = metdb(['serve', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`metdb: ${empty} has no metdb.sqlite: not the output folder of a run\n`);
  });

  it('says in one line that the database cannot be reached or read', () => {
    const down = metdb(['serve', '--db', 'mysql://root@127.0.0.1:9/metdb']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      /^metdb: cannot read the records in MySQL mysql:\/\/root@127\.0\.0\.1:9\/metdb: .+\n$/,
    );
    const notSqlite = join(scratch, 'not.sqlite');
    writeFileSync(notSqlite, 'this is not a database file, just text to make the header wrong........');
    const bad = metdb(['serve', '--db', notSqlite]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(bad.stderr).toMatch(/^metdb: cannot read the records in SQLite .*not\.sqlite: /);
  });

  it('rejects a bad port with the usage', () => {
    const r = metdb(['serve', scratch, '--port', '99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^metdb: --port must be an integer in \[0, 65535\], got "99999"\n\nusage: metdb serve/,
    );
  });
});
