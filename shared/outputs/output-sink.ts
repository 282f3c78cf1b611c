import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Where a run's outputs go: a folder on a laptop, a prefix of the results bucket in the cloud.
 * `write` replaces whatever had the name (a retried delivery rewrites the same objects) and returns
 * where it went (a path, or `gs://bucket/name`).
 */
export interface OutputSink {
  write(name: string, content: Uint8Array | string): Promise<string>;
}

/** Outputs written into `dir` (created as needed); names may hold `/` (subfolders). */
export function folderSink(dir: string): OutputSink {
  return {
    async write(name, content) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return path;
    },
  };
}
