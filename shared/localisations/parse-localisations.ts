import { MetdbError } from '../errors/metdb-error.js';
import { detectDelimiter, splitCsvLine } from './csv-fields.js';

/** The header names of the columns read: frame number and coordinates in nanometres. */
export interface LocalisationColumns {
  frame: string;
  x: string;
  y: string;
  /** Optional: read when present (3D data). */
  z?: string;
}

/** ThunderSTORM's names (`z [nm]` only in 3D tables). */
export const THUNDERSTORM_COLUMNS: Readonly<Required<LocalisationColumns>> = {
  frame: 'frame',
  x: 'x [nm]',
  y: 'y [nm]',
  z: 'z [nm]',
};

/** A localisation table as read: the numbers used for drift, and the text kept for rewriting. */
export interface LocalisationTable {
  /** The input's lines without their terminators; `newline` joins them back. */
  readonly lines: readonly string[];
  readonly newline: '\n' | '\r\n';
  /** Whether the input ended with a line terminator. */
  readonly finalNewline: boolean;
  readonly delimiter: string;
  /** Index into `lines` of the header. */
  readonly headerLine: number;
  /** Column indices (in the header) of frame, x, y and, in 3D, z. */
  readonly columns: { frame: number; x: number; y: number; z?: number };
  readonly names: Readonly<LocalisationColumns>;
  /** Per localisation (data row), the index of its line in `lines`. */
  readonly rowLines: Int32Array;
  readonly frame: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z?: Float64Array;
}

export interface ParseLocalisationsOptions {
  /** Header names to read, by role; missing roles take ThunderSTORM's. @default THUNDERSTORM_COLUMNS */
  columns?: Partial<LocalisationColumns>;
  /** The file's name, for error messages. @default 'input' */
  source?: string;
}

/**
 * Reads a delimited localisation table (ThunderSTORM CSV and the like: a header line, one row per
 * localisation, frames in non-decreasing order). Blank lines are skipped and kept.
 *
 * @throws MetdbError 'invalid-value' naming the line and column: a missing column, a value that is
 *   not a number (or a frame that is not an integer), a short row, frames out of order, no rows
 */
export function parseLocalisations(text: string, options: ParseLocalisationsOptions = {}): LocalisationTable {
  const source = options.source ?? 'input';
  const fail = (message: string, details: Record<string, unknown> = {}): never => {
    throw new MetdbError('invalid-value', `${source}: ${message}`, { details: { source, ...details } });
  };
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(newline);
  const finalNewline = lines.length > 1 && lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  if (lines.length > 0 && lines[0]!.startsWith('\uFEFF')) lines[0] = lines[0]!.slice(1);
  const headerLine = lines.findIndex((l) => l.trim() !== '');
  if (headerLine < 0) fail('the table is empty (no header line)');
  const delimiter = detectDelimiter(lines[headerLine]!);
  const header = (
    splitCsvLine(lines[headerLine]!, delimiter) ?? fail('unterminated quote in the header')
  ).map((f) => f.value.trim());
  const explicit = options.columns ?? {};
  const names: LocalisationColumns = {
    frame: explicit.frame ?? THUNDERSTORM_COLUMNS.frame,
    x: explicit.x ?? THUNDERSTORM_COLUMNS.x,
    y: explicit.y ?? THUNDERSTORM_COLUMNS.y,
  };
  const find = (name: string): number => {
    const exact = header.indexOf(name);
    return exact >= 0 ? exact : header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  };
  const columns: { frame: number; x: number; y: number; z?: number } = { frame: -1, x: -1, y: -1 };
  for (const role of ['frame', 'x', 'y'] as const) {
    columns[role] = find(names[role]);
    if (columns[role] < 0) {
      fail(
        `missing column "${names[role]}" (${role}); the header has ${header.map((h) => `"${h}"`).join(', ')}`,
        {
          column: names[role],
        },
      );
    }
  }
  const zName = explicit.z ?? THUNDERSTORM_COLUMNS.z;
  const zIndex = find(zName);
  if (zIndex >= 0) {
    columns.z = zIndex;
    names.z = zName;
  } else if (explicit.z !== undefined) {
    fail(`missing column "${zName}" (z)`, { column: zName });
  }
  const roles = (['frame', 'x', 'y', 'z'] as const).filter((r) => columns[r] !== undefined);
  const width = Math.max(...roles.map((r) => columns[r]!)) + 1;
  const capacity = lines.length - headerLine - 1;
  const values = {
    frame: new Float64Array(capacity),
    x: new Float64Array(capacity),
    y: new Float64Array(capacity),
    z: new Float64Array(capacity),
  };
  const rowLines = new Int32Array(capacity);
  let rows = 0;
  for (let l = headerLine + 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === '') continue;
    const at = `line ${l + 1}`;
    const fields = splitCsvLine(line, delimiter) ?? fail(`${at}: unterminated quote`, { line: l + 1 });
    if (fields.length < width) {
      fail(`${at} has ${fields.length} fields, the columns read need ${width}`, { line: l + 1 });
    }
    for (const role of roles) {
      const raw = fields[columns[role]!]!.value.trim();
      const v = raw === '' ? Number.NaN : Number(raw);
      const column = names[role]!;
      if (!Number.isFinite(v))
        fail(`${at}, column "${column}": "${raw}" is not a number`, { line: l + 1, column });
      if (role === 'frame' && !Number.isInteger(v)) {
        fail(`${at}, column "${column}": frame "${raw}" is not an integer`, { line: l + 1, column });
      }
      values[role][rows] = v;
    }
    if (rows > 0 && values.frame[rows]! < values.frame[rows - 1]!) {
      fail(
        `${at}, column "${names.frame}": frame ${values.frame[rows]} comes after frame ${values.frame[rows - 1]} (frames must be in order)`,
        { line: l + 1, column: names.frame },
      );
    }
    rowLines[rows] = l;
    rows++;
  }
  if (rows === 0) fail('the table has a header but no localisations');
  return {
    lines,
    newline,
    finalNewline,
    delimiter,
    headerLine,
    columns,
    names,
    rowLines: rowLines.slice(0, rows),
    frame: values.frame.slice(0, rows),
    x: values.x.slice(0, rows),
    y: values.y.slice(0, rows),
    ...(columns.z === undefined ? {} : { z: values.z.slice(0, rows) }),
  };
}
