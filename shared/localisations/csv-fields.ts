/** One field of a delimited text line: its value (unquoted) and where its raw text lies. */
export interface CsvField {
  readonly value: string;
  /** Offset of the field's first character in the line (its opening quote if quoted). */
  readonly start: number;
  /** Offset just past the field's last character (past its closing quote if quoted). */
  readonly end: number;
  readonly quoted: boolean;
}

/**
 * Splits one line of a delimited table (RFC 4180 quoting: `"a, b"` and `""` inside quotes) into
 * fields with their spans, so that a field can be replaced without touching the rest of the line.
 * Returns null for an unterminated quote.
 */
export function splitCsvLine(line: string, delimiter: string): CsvField[] | null {
  const fields: CsvField[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the delimiter is kept as part of the field.
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? line.length : next;
      value += line.slice(i, end);
      fields.push({ value, start, end, quoted: true });
      i = end;
    } else {
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? line.length : next;
      fields.push({ value: line.slice(i, end), start, end, quoted: false });
      i = end;
    }
    if (i >= line.length) return fields;
    i += delimiter.length;
    if (i === line.length) {
      fields.push({ value: '', start: i, end: i, quoted: false });
      return fields;
    }
  }
}

/** The delimiter of a table from its header line: tab, semicolon or comma, whichever splits it most. */
export function detectDelimiter(header: string): string {
  const count = (d: string): number => header.split(d).length - 1;
  const candidates = [',', '\t', ';'];
  let best = ',';
  for (const d of candidates) if (count(d) > count(best)) best = d;
  return best;
}
