import type { TileLayout } from './tile-layout.js';

/**
 * Writes positions in Fiji's `TileConfiguration.txt` format (what Grid/Collection stitching writes
 * as `TileConfiguration.registered.txt`): `dim = 2`, then `name; ; (x, y)` per tile. Positions
 * keep 3 decimals (sub-pixel results); Fiji reads them as doubles.
 */
export function formatTileConfiguration(layout: TileLayout, comment?: string): string {
  const lines = ['# Define the number of dimensions we are working on', 'dim = 2', ''];
  if (comment !== undefined) lines.splice(0, 0, ...comment.split('\n').map((l) => `# ${l}`));
  lines.push('# Define the image coordinates');
  for (const t of layout.tiles) lines.push(`${t.name}; ; (${fixed(t.x)}, ${fixed(t.y)})`);
  return `${lines.join('\n')}\n`;
}

function fixed(v: number): string {
  const s = v.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}
