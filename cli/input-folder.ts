import { stat } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/**
 * Checks that `path` is a folder before a run or a watch starts (workers, database), so that a
 * typo gives one line and exit code 2 instead of a failure deep in the run.
 *
 * @throws UsageError (one line, no usage) when `path` is missing, a file or unreadable
 */
export async function checkInputFolder(path: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no such folder: ${path}`, null);
    throw new UsageError(`cannot read folder ${path}: ${(error as Error).message}`, null);
  }
  if (!isFolder) {
    throw new UsageError(`${path} is a file, not a folder (give the folder that holds the images)`, null);
  }
}
