import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/run-command.js';
import { stitchFolder } from '../../local/stitch-folder.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';

const mist = new URL('../fixtures/stitching/mist/', import.meta.url).pathname;
// The first two columns of MIST's 5 x 5 grid (tiles numbered down the columns).
const tiles = readdirSync(mist)
  .filter((n) => n.endsWith('.tif'))
  .sort()
  .slice(0, 10);
const scratch = mkdtempSync(join(tmpdir(), 'metdb-run-mosaic-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tileFolder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const t of tiles) copyFileSync(join(mist, t), join(dir, t));
  return dir;
}

async function run(dir: string, out: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCommand([dir, '--out', out, '--json'], (l) => lines.push(l));
  return { code, lines };
}

describe('metdb run on a mosaic folder', () => {
  it('stitches the tiles as metdb stitch does, from "stitch" in metdb.json or a TileConfiguration.txt', async () => {
    const expected = await stitchFolder({
      dir: tileFolder('reference'),
      layout: { kind: 'grid', rows: 5, columns: 2, overlapX: 0.06, overlapY: 0.06, order: 'column' },
      out: join(scratch, 'stitch-out'),
    });
    const positions = expected.result.tiles.map((t) => ({ file: t.name, x: t.x, y: t.y }));
    expect(expected.result.tiles.filter((t) => t.status === 'stage')).toEqual([]);

    const byGrid = tileFolder('grid');
    writeFileSync(
      join(byGrid, 'metdb.json'),
      JSON.stringify({ stitch: { grid: '5x2', overlap: '6%', order: 'column' } }),
    );
    const grid = await run(byGrid, join(scratch, 'grid-out'));
    expect(grid.code).toBe(0);
    const gridSummary = JSON.parse(grid.lines.at(-1)!) as { tiles: number; positions: unknown[] };
    expect(gridSummary.tiles).toBe(10);
    expect(gridSummary.positions.map((p) => ({ ...(p as object), status: undefined }))).toEqual(
      positions.map((p) => ({ ...p, status: undefined })),
    );

    const byFile = tileFolder('layout');
    const nominal = gridLayout(tiles, {
      rows: 5,
      columns: 2,
      width: 245,
      height: 183,
      overlapX: 0.06,
      order: 'column',
    });
    writeFileSync(join(byFile, 'TileConfiguration.txt'), formatTileConfiguration(nominal));
    const layout = await run(byFile, join(scratch, 'layout-out'));
    expect(layout.code).toBe(0);
    const layoutSummary = JSON.parse(layout.lines.at(-1)!) as {
      positions: { file: string; x: number; y: number }[];
      outputs: Record<string, string>;
    };
    for (const p of layoutSummary.positions) {
      const q = positions.find((e) => e.file === p.file)!;
      expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeLessThan(0.01);
    }
    expect(Object.keys(layoutSummary.outputs)).toEqual(
      expect.arrayContaining(['tileConfiguration', 'positionsCsv', 'mosaic', 'report']),
    );
  }, 120_000);
});
