import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of the .ts files under `dirs`, ms. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return newest;
}

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`) when `dist/functions/index.js` is missing or older than
 * a source file of shared/, functions/ or migrations/: the integration tests serve what ships.
 * Type errors elsewhere do not stop the emit; a missing output does.
 */
export function buildDistIfStale(): void {
  const entry = 'dist/functions/index.js';
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  if (built > newestSource(['shared', 'functions', 'migrations'])) return;
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      stdio: 'pipe',
    });
  } catch (error) {
    if (!existsSync(entry)) throw error;
  }
}
