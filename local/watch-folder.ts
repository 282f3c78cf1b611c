import { watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { SETTINGS_FILE } from '../shared/pipeline/dataset-settings.js';
import { LocalRunner } from './local-runner.js';
import { IMAGE_EXTENSIONS, runFolder, type RunFolderOptions, type RunSummary } from './run-folder.js';

export interface WatchFolderOptions extends Omit<RunFolderOptions, 'files' | 'runner'> {
  /** Quiet time after the last change before a file is looked at, ms. @default 500 */
  debounceMs?: number;
  /** A file is processed once its size is the same at two looks this far apart, ms. @default 300 */
  stableMs?: number;
  /** Called after each batch of new files has been processed (outputs rewritten). */
  onBatch?: (files: readonly string[], summary: RunSummary) => void;
  /** Called when a batch fails (the watch goes on). */
  onError?: (error: unknown) => void;
}

/**
 * Watches a folder like a bucket: image files dropped into it (already there at start, or
 * arriving later) are processed in batches by `runFolder` once their size is stable (a copy in
 * progress is waited for), and the outputs are rewritten after each batch. The batches share one
 * `LocalRunner` (workers and database connection), so that later batches start warm. Resolves when `signal`
 * aborts (SIGINT in the CLI) and the batch in progress, if any, has finished.
 */
export async function watchFolder(
  folder: string,
  options: WatchFolderOptions,
  signal: AbortSignal,
): Promise<void> {
  const root = resolve(folder);
  const { debounceMs = 500, stableMs = 300, onBatch, onError, ...run } = options;
  const seen = new Map<string, string>(); // file -> size:mtime processed
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> = Promise.resolve();
  let again = false;
  let running = false;
  let runner: LocalRunner | undefined;

  const scan = async (): Promise<void> => {
    const names = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && e.name !== SETTINGS_FILE)
      .filter((e) => IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name);
    const first = await sizes(root, names);
    await new Promise((r) => setTimeout(r, stableMs));
    const second = await sizes(root, names);
    const ready = names.filter(
      (n) => first.get(n) !== undefined && first.get(n) === second.get(n) && seen.get(n) !== second.get(n),
    );
    if (names.some((n) => first.get(n) !== second.get(n))) schedule(); // still being written: look again
    if (ready.length === 0 || signal.aborted) return;
    // One runner for the whole watch: its workers stay warm from one batch to the next.
    runner ??= await LocalRunner.open(root, run);
    const summary = await runFolder(root, { ...run, files: ready, runner });
    for (const n of ready) seen.set(n, second.get(n)!);
    onBatch?.(ready, summary);
  };

  const runScan = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    busy = scan()
      .catch((error: unknown) => onError?.(error))
      .finally(() => {
        running = false;
        if (again && !signal.aborted) {
          again = false;
          runScan();
        }
      });
  };

  function schedule(): void {
    if (signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(runScan, debounceMs);
  }

  const watcher = watch(root, { persistent: true }, () => schedule());
  schedule();
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  clearTimeout(timer);
  watcher.close();
  await busy;
  await runner?.close();
}

/** `size:mtime` of each file, or nothing for a file that vanished. */
async function sizes(root: string, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of names) {
    const s = await stat(join(root, n)).catch(() => undefined);
    if (s !== undefined) out.set(n, `${s.size}:${s.mtimeMs}`);
  }
  return out;
}
