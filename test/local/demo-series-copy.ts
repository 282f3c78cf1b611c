import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SERIES = new URL('../../samples/series/', import.meta.url).pathname;

export interface Truth {
  frames: { file: string; shift: number[] }[];
}

export const truth = JSON.parse(readFileSync(join(SERIES, 'truth.json'), 'utf8')) as Truth;

/**
 * A temporary folder `<tmp>/<name>` holding some frames of the bundled demo series and its
 * `metdb.json`; returns the folder (the caller removes its parent).
 */
export function copyDemoSeries(frames: readonly string[], name = 'series'): string {
  const parent = mkdtempSync(join(tmpdir(), 'metdb-run-'));
  const folder = join(parent, name);
  mkdirSync(folder);
  for (const f of [...frames, 'metdb.json']) copyFileSync(join(SERIES, f), join(folder, f));
  return folder;
}
