import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { stageFunctions } from '../../scripts/stage-functions.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'metdb-stage-'));
  const files: Record<string, string> = {
    'dist/functions/index.js': 'export {};\n',
    'dist/functions/index.js.map': '{}',
    'dist/functions/index.d.ts': 'export {};\n',
    'dist/migrations/0001-initial.js': 'export {};\n',
    'dist/shared/index.js': 'export {};\n',
    'dist/bench/registration.bench.js': 'export {};\n',
    'dist/infra/main.js': 'export {};\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const pkg = {
    name: 'metdb',
    version: '0.1.0',
    type: 'module',
    main: 'dist/shared/index.js',
    bin: { metdb: 'dist/cli/main.js' },
    scripts: { build: 'tsc' },
    engines: { node: '>=20.9' },
    dependencies: { kysely: '^0.28.0' },
    devDependencies: { vitest: '~4.1.0' },
  };
  writeFileSync(join(root, 'package.json'), JSON.stringify(pkg));
  const lock = {
    name: 'metdb',
    version: '0.1.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { ...pkg, main: undefined, scripts: undefined, type: undefined },
      'node_modules/kysely': { version: '0.28.1' },
      'node_modules/vitest': { version: '4.1.0', dev: true },
      'node_modules/sharp-optional': { version: '1.0.0', optional: true },
    },
  };
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('stage:functions', () => {
  it('copies the compiled functions, migrations and shared code, not bench, infra or declarations', () => {
    const out = stageFunctions(root, join(root, 'dist/stage/functions'));
    expect(existsSync(join(out, 'dist/functions/index.js'))).toBe(true);
    expect(existsSync(join(out, 'dist/functions/index.js.map'))).toBe(true);
    expect(existsSync(join(out, 'dist/migrations/0001-initial.js'))).toBe(true);
    expect(existsSync(join(out, 'dist/shared/index.js'))).toBe(true);
    expect(existsSync(join(out, 'dist/functions/index.d.ts'))).toBe(false);
    expect(existsSync(join(out, 'dist/bench'))).toBe(false);
    expect(existsSync(join(out, 'dist/infra'))).toBe(false);
    // The default output lies inside dist/: it must not copy itself.
    expect(existsSync(join(out, 'dist/stage'))).toBe(false);
  });

  it('writes a production package.json whose main is the functions entry', () => {
    const out = join(root, 'dist/stage/functions');
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toEqual({
      name: 'metdb-functions',
      version: '0.1.0',
      type: 'module',
      main: 'dist/functions/index.js',
      engines: { node: '>=20.9' },
      dependencies: { kysely: '^0.28.0' },
    });
  });

  it('prunes dev-only packages from the lock file and rewrites its root entry', () => {
    const lock = JSON.parse(readFileSync(join(root, 'dist/stage/functions/package-lock.json'), 'utf8')) as {
      name: string;
      packages: Record<string, Record<string, unknown>>;
    };
    expect(lock.name).toBe('metdb-functions');
    expect(Object.keys(lock.packages).sort()).toEqual([
      '',
      'node_modules/kysely',
      'node_modules/sharp-optional',
    ]);
    expect(lock.packages['']).toEqual({
      name: 'metdb-functions',
      version: '0.1.0',
      dependencies: { kysely: '^0.28.0' },
      engines: { node: '>=20.9' },
    });
  });

  it('starts from a clean directory and fails clearly without a build', () => {
    const out = join(root, 'dist/stage/functions');
    writeFileSync(join(out, 'stale.txt'), 'old');
    stageFunctions(root, out);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    rmSync(join(root, 'dist/functions/index.js'));
    try {
      stageFunctions(root, join(root, 'other'));
      expect.unreachable();
    } catch (error) {
      expect(isMetdbError(error, 'not-found')).toBe(true);
    } finally {
      writeFileSync(join(root, 'dist/functions/index.js'), 'export {};\n');
    }
  });
});
