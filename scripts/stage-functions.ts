/**
 * Stages the Cloud Functions source: `npm run stage:functions [-- <outdir>]` (default
 * `dist/stage/functions`), after `npm run build`. The staged directory is what the infra archives
 * (TerraformAsset) and Cloud Build installs with `npm ci`:
 * - `dist/` (compiled JS and source maps; `dist/functions/index.js` registers the four
 *   functions-framework targets, migrations under `dist/migrations/`), minus what the functions
 *   never load (bench, infra, scripts, type declarations);
 * - `package.json` with `main: dist/functions/index.js`, the production dependencies only, no
 *   scripts (Cloud Build must not run our build) and no devDependencies;
 * - `package-lock.json` pruned to match: the root entry rewritten, dev-only packages dropped,
 *   so `npm ci` installs exactly the locked production tree.
 * Only the file names and contents matter to the archive hash, so an unchanged build gives an
 * unchanged archive and Terraform redeploys nothing.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetdbError } from '../shared/errors/metdb-error.js';

const ENTRY = 'dist/functions/index.js';
/** Top-level `dist/` folders the functions never load (`stage` holds the staged copy itself). */
const SKIPPED_DIST_FOLDERS = new Set(['bench', 'infra', 'scripts', 'stage', 'test']);

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly license?: string;
  readonly type?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
}

interface LockPackage {
  readonly dev?: boolean;
  readonly [field: string]: unknown;
}

interface PackageLock {
  readonly packages: Readonly<Record<string, LockPackage>>;
  readonly [field: string]: unknown;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The manifest Cloud Build sees: what the functions need at run time, nothing else. */
export function productionManifest(pkg: PackageJson): PackageJson & { readonly main: string } {
  return {
    name: `${pkg.name}-functions`,
    version: pkg.version,
    ...(pkg.description === undefined ? {} : { description: pkg.description }),
    ...(pkg.license === undefined ? {} : { license: pkg.license }),
    type: pkg.type ?? 'module',
    main: ENTRY,
    engines: pkg.engines ?? { node: '>=20.9' },
    dependencies: pkg.dependencies ?? {},
  };
}

/** The lock file matching {@link productionManifest}: dev-only packages removed. */
export function productionLock(
  lock: PackageLock,
  manifest: PackageJson & { readonly main: string },
): PackageLock {
  const packages: Record<string, LockPackage> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') {
      packages[path] = {
        name: manifest.name,
        version: manifest.version,
        ...(manifest.license === undefined ? {} : { license: manifest.license }),
        dependencies: manifest.dependencies,
        engines: manifest.engines,
      };
    } else if (entry.dev !== true) {
      packages[path] = entry;
    }
  }
  return { ...lock, name: manifest.name, version: manifest.version, packages };
}

function keepDistFile(distDir: string, source: string): boolean {
  const path = relative(distDir, source);
  if (path === '') return true;
  const top = path.split(sep)[0] ?? '';
  if (SKIPPED_DIST_FOLDERS.has(top)) return false;
  const name = basename(source);
  return !name.endsWith('.d.ts') && !name.endsWith('.d.ts.map') && !name.endsWith('.tsbuildinfo');
}

/** Stages the functions from the repository at `root` into `outDir`; returns `outDir`. */
export function stageFunctions(root: string, outDir: string): string {
  const distDir = join(root, 'dist');
  if (!existsSync(join(root, ENTRY))) {
    throw new MetdbError(
      'not-found',
      `${ENTRY} is missing: run \`npm run build\` first (it compiles functions/index.ts)`,
      {
        details: { root },
      },
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // Entry by entry: the default output lies inside dist/, which a single cpSync refuses.
  for (const entry of readdirSync(distDir)) {
    if (SKIPPED_DIST_FOLDERS.has(entry)) continue;
    cpSync(join(distDir, entry), join(outDir, 'dist', entry), {
      recursive: true,
      filter: (source) => keepDistFile(distDir, source),
    });
  }
  const manifest = productionManifest(readJson<PackageJson>(join(root, 'package.json')));
  writeJson(join(outDir, 'package.json'), manifest);
  const lockPath = join(root, 'package-lock.json');
  if (existsSync(lockPath)) {
    writeJson(join(outDir, 'package-lock.json'), productionLock(readJson<PackageLock>(lockPath), manifest));
  }
  return outDir;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // Compiled to dist/scripts/stage-functions.js: the repository root is two levels up.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const outDir = resolve(root, process.argv[2] ?? 'dist/stage/functions');
  try {
    stageFunctions(root, outDir);
    console.log(`functions staged in ${relative(process.cwd(), outDir) || '.'}`);
  } catch (error) {
    console.error(`stage:functions: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
