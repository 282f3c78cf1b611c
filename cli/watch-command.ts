import { watchFolder } from '../local/watch-folder.js';
import { checkInputFolder } from './input-folder.js';
import { parseWorkers } from './parse-workers.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs } from './parse-command-args.js';

export const WATCH_USAGE = `usage: metdb watch <folder> [--out DIR] [--workers N] [--db URL] [--debounce MS]

Processes image files as they are dropped into <folder> (like uploads to a bucket: once a file's
size is stable), with the same pipeline and outputs as "metdb run" (rewritten after each batch),
until Ctrl-C. The outputs go to DIR (default .metdb/<folder name> in the current folder), never
into <folder>, so the watch does not see them.`;

/** `metdb watch <folder>`: run the pipeline on files as they arrive, until SIGINT. Returns the exit code. */
export async function watchCommand(args: string[], out: (line: string) => void): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      out: { type: 'string' },
      workers: { type: 'string' },
      db: { type: 'string' },
      debounce: { type: 'string', default: '500' },
    },
    WATCH_USAGE,
    out,
  );
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected one folder', WATCH_USAGE);
  await checkInputFolder(positionals[0]!);
  const workers = parseWorkers(values.workers, WATCH_USAGE);
  const debounceMs = Number(values.debounce);
  if (!(Number.isFinite(debounceMs) && debounceMs >= 0)) {
    throw new UsageError(
      `--debounce must be a number of milliseconds, got "${values.debounce}"`,
      WATCH_USAGE,
    );
  }
  const folder = positionals[0]!;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  out(`watching ${folder} (Ctrl-C to stop)`);
  let failures = 0;
  try {
    await watchFolder(
      folder,
      {
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(workers === undefined ? {} : { workers }),
        ...(values.db === undefined ? {} : { db: values.db }),
        debounceMs,
        onBatch: (files, s) => {
          for (const f of files) {
            const r = s.results.find((x) => x.file === f);
            const shift =
              r?.shift === null || r === undefined
                ? ''
                : ` shift [${r.shift.map((v) => v.toFixed(3)).join(', ')}]`;
            out(`${f}: ${r?.role ?? 'pending'}${shift}${r?.failureReason ? ` (${r.failureReason})` : ''}`);
          }
          out(`${s.registered} registered, ${s.failed} failed; outputs in ${s.out}`);
        },
        onError: (error) => {
          failures++;
          out(`batch failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      },
      controller.signal,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  out('stopped');
  return failures > 0 ? 1 : 0;
}
