import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in Met-db's package.json, found by walking up from this module (cli/ when run
 * through tsx, dist/cli/ when built, node_modules/metdb/dist/cli/ when installed).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'metdb' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look in the parent
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
