import { MetdbError } from '../errors/metdb-error.js';
import type { DriftTable } from './drift-csv.js';

/**
 * A series' drift read back from its `drift.csv` (`frame,drift_y_px,drift_x_px`, z first in 3D;
 * other columns ignored) or `drift.json` (`frames[].frame` and `frames[].drift_px`): per frame,
 * the drift in pixels, axis order (z,) y, x. JSON is recognised by a leading `{`.
 *
 * @throws MetdbError 'invalid-value' naming the line or field of anything unreadable
 */
export function parseDriftFile(text: string, source = 'drift file'): DriftTable {
  const fail = (message: string): never => {
    throw new MetdbError('invalid-value', `${source}: ${message}`, { details: { source } });
  };
  if (text.trimStart().startsWith('{')) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      return fail(`not valid JSON (${(error as Error).message})`);
    }
    const frames = (document as { frames?: unknown }).frames;
    if (!Array.isArray(frames) || frames.length === 0) return fail('no "frames" array');
    const table = { frames: [] as number[], drift: [] as number[][] };
    frames.forEach((f: unknown, k) => {
      const { frame, drift_px: drift } = (f ?? {}) as { frame?: unknown; drift_px?: unknown };
      if (typeof frame !== 'number' || !Array.isArray(drift) || !drift.every((v) => typeof v === 'number')) {
        fail(
          `frames[${k}] needs a numeric "frame" and "drift_px" (pixels; a localisation drift.json is in nm)`,
        );
      }
      table.frames.push(frame as number);
      table.drift.push(drift as number[]);
    });
    return checked(table, fail);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const frameColumn = header.indexOf('frame');
  const axes = ['z', 'y', 'x'].filter((a) => header.includes(`drift_${a}_px`));
  if (frameColumn < 0 || !axes.includes('y') || !axes.includes('x')) {
    return fail('needs the columns frame, drift_y_px and drift_x_px (a series drift.csv)');
  }
  const columns = axes.map((a) => header.indexOf(`drift_${a}_px`));
  const table = { frames: [] as number[], drift: [] as number[][] };
  lines.slice(1).forEach((line, k) => {
    const fields = line.split(',');
    const values = [frameColumn, ...columns].map((c) => Number(fields[c]?.trim() || Number.NaN));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`line ${k + 2}, column "${header[[frameColumn, ...columns][bad]!]}" is not a number`);
    table.frames.push(values[0]!);
    table.drift.push(values.slice(1));
  });
  return checked(table, fail);
}

function checked(table: { frames: number[]; drift: number[][] }, fail: (m: string) => never): DriftTable {
  const ndim = table.drift[0]?.length ?? 0;
  if (table.frames.length === 0) fail('no frames');
  if (ndim < 2 || ndim > 3 || table.drift.some((d) => d.length !== ndim)) fail('2 or 3 axes on every frame');
  table.frames.forEach((f, k) => {
    if (f !== k) fail(`frame ${f} in row ${k + 1}: frames must be 0, 1, 2, ... (one per page of the stack)`);
  });
  return table;
}
