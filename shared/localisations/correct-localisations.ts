import { splitCsvLine } from './csv-fields.js';
import type { LocalisationTable } from './parse-localisations.js';

/** A drift per frame: `drift[k]` (nm, x, y (, z)) belongs to frame `firstFrame + k`. */
export interface FrameDrift {
  readonly frames: readonly number[];
  readonly drift: readonly (readonly number[])[];
}

/**
 * The table with drift-corrected coordinates (measured minus the drift at the row's frame) and
 * every other byte as it was: other columns, quoting, delimiter, blank lines, line endings. A new
 * value keeps the number of decimals (or the exponent form) of the value it replaces.
 */
export function correctLocalisations(table: LocalisationTable, drift: FrameDrift): string {
  const first = drift.frames[0] ?? 0;
  const lines = [...table.lines];
  const roles = [
    [table.columns.x, table.x, 0],
    [table.columns.y, table.y, 1],
    ...(table.columns.z === undefined || table.z === undefined
      ? []
      : [[table.columns.z, table.z, 2] as const]),
  ] as const;
  for (let r = 0; r < table.rowLines.length; r++) {
    const l = table.rowLines[r]!;
    const line = lines[l]!;
    const fields = splitCsvLine(line, table.delimiter)!;
    const d = drift.drift[table.frame[r]! - first]!;
    // Replaced right to left so that the earlier fields' offsets stay valid.
    const edits = roles
      .map(([column, values, axis]) => ({ field: fields[column]!, value: values[r]! - d[axis]! }))
      .sort((a, b) => b.field.start - a.field.start);
    let out = line;
    for (const { field, value } of edits) {
      const raw = field.quoted ? field.value : line.slice(field.start, field.end);
      const text = formatLike(raw, value);
      out = out.slice(0, field.start) + (field.quoted ? `"${text}"` : text) + out.slice(field.end);
    }
    lines[l] = out;
  }
  return lines.join(table.newline) + (table.finalNewline ? table.newline : '');
}

/** `value` written as `original` is: same decimals, exponent form, surrounding spaces. */
export function formatLike(original: string, value: number): string {
  const lead = /^\s*/.exec(original)![0];
  const trail = /\s*$/.exec(original)![0];
  const core = original.trim();
  const exponent = /^[-+]?(\d*)\.?(\d*)[eE]([-+]?\d+)$/.exec(core);
  let text: string;
  if (exponent !== null) {
    text = value.toExponential(exponent[2]!.length);
    if (!exponent[3]!.startsWith('+')) text = text.replace('e+', 'e');
    if (/E/.test(core)) text = text.toUpperCase();
  } else {
    const dot = core.indexOf('.');
    text = value.toFixed(dot < 0 ? 0 : core.length - dot - 1);
  }
  if (/^-0(\.0*)?$/.test(text)) text = text.slice(1);
  return lead + text + trail;
}
