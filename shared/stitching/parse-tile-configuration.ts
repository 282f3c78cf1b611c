import { MetdbError } from '../errors/metdb-error.js';
import type { TileLayout, TilePosition } from './tile-layout.js';

/**
 * Parses Fiji's `TileConfiguration.txt` (Grid/Collection stitching, Stitching plugin): a
 * `dim = 2` line, then one line per tile `name; ; (x, y)` (the middle field, a series number for
 * multi-series files, is ignored). `#` starts a comment. Positions are pixels of each tile's
 * top-left corner; decimals and exponents are accepted, as Fiji writes them.
 *
 * @throws MetdbError 'invalid-value' naming the line for anything else (3D layouts, a missing or
 *   malformed position, a tile named twice, no tile at all)
 */
export function parseTileConfiguration(text: string, source = 'TileConfiguration'): TileLayout {
  const tiles: TilePosition[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const fail = (why: string): never => {
      throw new MetdbError('invalid-value', `${source}: line ${index + 1}: ${why}: "${raw.trim()}"`, {
        details: { line: index + 1 },
      });
    };
    const dimMatch = /^dim\s*=\s*(\d+)$/i.exec(line);
    if (dimMatch) {
      if (Number(dimMatch[1]) !== 2) fail(`only 2D layouts are supported (dim = 2)`);
      return;
    }
    const fields = line.split(';').map((f) => f.trim());
    if (fields.length !== 3) fail('expected "name; ; (x, y)"');
    const [name, , position] = fields as [string, string, string];
    if (name === '') fail('empty tile name');
    const number = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)';
    const match = new RegExp(`^\\(\\s*${number}\\s*,\\s*${number}\\s*(?:,\\s*${number}\\s*)?\\)$`).exec(
      position,
    );
    if (!match) fail('expected a position "(x, y)"');
    if (match![3] !== undefined) fail('a 3D position in a 2D layout');
    if (seen.has(name)) fail(`tile "${name}" is listed twice`);
    seen.add(name);
    tiles.push({ name, x: Number(match![1]), y: Number(match![2]) });
  });
  if (tiles.length === 0) throw new MetdbError('invalid-value', `${source}: no tile listed`);
  return { tiles };
}
