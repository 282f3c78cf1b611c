import { UsageError } from './usage-error.js';

/** `--workers N` of `metdb run` and `metdb watch`: undefined when absent, else 1 to 256. */
export function parseWorkers(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
    throw new UsageError(`--workers must be an integer from 1 to 256, got "${value}"`, usage);
  }
  return workers;
}
