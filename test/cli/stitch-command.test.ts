import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { omeXmlDescription } from '../../shared/outputs/ome-xml-description.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { parseTileConfiguration } from '../../shared/stitching/parse-tile-configuration.js';
import { cutTiles } from '../stitching/cut-tiles.js';
import { hasPython, runPython, ZARR_V3_READ } from '../support/python-readers.js';
import { runMetdb } from '../support/run-metdb.js';

const root = new URL('../../', import.meta.url).pathname;
const mist = join(root, 'test/fixtures/stitching/mist');
const mistNames = readdirSync(mist)
  .filter((n) => n.endsWith('.tif'))
  .sort();

/** Runs the real CLI entry point (TypeScript through tsx, so no build is needed). */
const metdb = (...args: string[]) => runMetdb(args);

interface Summary {
  tiles: number;
  acceptedEdges: number;
  stageTiles: string[];
  positions: { file: string; x: number; y: number }[];
  outputs: Record<string, string>;
}

describe('metdb stitch', () => {
  it('stitches MIST tiles from a Fiji TileConfiguration and from the same grid, to the same positions', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'metdb-stitch-'));
    const nominal = gridLayout(mistNames, {
      rows: 5,
      columns: 5,
      width: 245,
      height: 183,
      overlapX: 0.06,
      order: 'column',
    });
    writeFileSync(join(tmp, 'TileConfiguration.txt'), formatTileConfiguration(nominal));
    const byFile = metdb(
      'stitch',
      mist,
      '--layout',
      join(tmp, 'TileConfiguration.txt'),
      '--out',
      join(tmp, 'a'),
      '--json',
    );
    expect(byFile.stderr).toBe('');
    expect(byFile.code).toBe(0);
    const a = JSON.parse(byFile.stdout) as Summary;
    expect(a.tiles).toBe(25);
    expect(a.acceptedEdges).toBe(40);
    expect(a.stageTiles).toEqual([]);
    for (const file of [
      'TileConfiguration.registered.txt',
      'positions.csv',
      'positions.json',
      'mosaic.ome.tif',
      'report.html',
    ]) {
      expect(existsSync(join(tmp, 'a', file))).toBe(true);
    }
    const registered = parseTileConfiguration(
      readFileSync(join(tmp, 'a', 'TileConfiguration.registered.txt'), 'utf8'),
    );
    registered.tiles.forEach((t, k) => {
      expect(t.name).toBe(a.positions[k]!.file);
      expect(t.x).toBeCloseTo(a.positions[k]!.x, 2);
    });
    const csv = readFileSync(join(tmp, 'a', 'positions.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('file,x,y,nominal_x,nominal_y,status,edges');
    expect(csv).toHaveLength(26);
    expect(readFileSync(join(tmp, 'a', 'report.html'), 'utf8')).toContain('<svg');

    const byGrid = metdb(
      'stitch',
      mist,
      '--grid',
      '5x5',
      '--overlap',
      '6%',
      '--order',
      'column',
      '--out',
      join(tmp, 'b'),
      '--json',
      '--no-fuse',
    );
    expect(byGrid.code).toBe(0);
    const b = JSON.parse(byGrid.stdout) as Summary;
    b.positions.forEach((p, k) => {
      expect(p.file).toBe(a.positions[k]!.file);
      expect(p.x).toBeCloseTo(a.positions[k]!.x, 6);
      expect(p.y).toBeCloseTo(a.positions[k]!.y, 6);
    });
    expect(b.outputs['mosaic']).toBeUndefined();
  });

  it('fuses every channel into an OME-TIFF and keeps the pixel size', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'metdb-stitch-'));
    const canvas = (await readImageFile(join(root, 'test/fixtures/images/cell_u16.tif'))).array;
    const pos = [
      { x: 5, y: 8 },
      { x: 5 + 150, y: 8 + 3 },
      { x: 5 + 2, y: 8 + 170 },
      { x: 5 + 152, y: 8 + 174 },
    ];
    const ch0 = cutTiles(canvas, pos, 200, 220, 0);
    const names = ['t1.tif', 't2.tif', 't3.tif', 't4.tif'];
    ch0.forEach((tile, k) => {
      const both = new Uint16Array(2 * 200 * 220);
      both.set(tile.data);
      both.set(
        tile.data.map((v) => 65535 - v),
        200 * 220,
      );
      const description = omeXmlDescription({
        name: names[k]!,
        sizeX: 200,
        sizeY: 220,
        sizeC: 2,
        pixelType: 'uint16',
        physicalSizeX: 0.65,
        physicalSizeY: 0.65,
      });
      writeFileSync(join(tmp, names[k]!), encodeTiff({ data: both, shape: [2, 220, 200] }, { description }));
    });
    const r = metdb('stitch', tmp, '--grid', '2x2', '--overlap', '25%', '--out', join(tmp, 'out'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bytes = readFileSync(join(tmp, 'out', 'mosaic.ome.tif'));
    const c0 = await decodeImage(bytes, { channel: 0 });
    const c1 = await decodeImage(bytes, { channel: 1 });
    expect(c0.info.channels).toBe(2);
    expect(c0.array.shape).toEqual([174 + 220, 152 + 200]);
    // Registered exactly (noise-free tiles): the fused channels are the image and its inverse.
    const [h, w] = c0.array.shape as [number, number];
    let wrong = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const covered = pos.some(
          (p) => x + 5 >= p.x && x + 5 < p.x + 200 && y + 8 >= p.y && y + 8 < p.y + 220,
        );
        if (!covered) continue;
        const v = canvas.data[(y + 8) * canvas.shape[1]! + x + 5]!;
        if (c0.array.data[y * w + x] !== v || c1.array.data[y * w + x] !== 65535 - v) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(bytes.toString('utf8')).toContain('PhysicalSizeX="0.65" PhysicalSizeXUnit="µm"');
    // The positions in micrometres too, from the tiles' pixel size.
    const rows = readFileSync(join(tmp, 'out', 'positions.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(rows[0]).toBe('file,x,y,nominal_x,nominal_y,status,edges,x_um,y_um,nominal_x_um,nominal_y_um');
    for (const row of rows.slice(1)) {
      const f = row.split(',');
      [1, 2, 3, 4].forEach((k) => expect(Number(f[k + 6])).toBeCloseTo(Number(f[k]) * 0.65, 2));
    }
    const json = JSON.parse(readFileSync(join(tmp, 'out', 'positions.json'), 'utf8')) as {
      pixelSizeUm: unknown;
    };
    expect(json.pixelSizeUm).toEqual({ x: 0.65, y: 0.65 });
    // The same mosaic as OME-Zarr, read back by an independent reader (json + numpy).
    if (!hasPython('numpy')) return;
    const zarr = runPython<{
      axes: { name: string; unit?: string }[];
      levels: { shape: number[]; scale: number[]; sums: number[][] }[];
    }>(ZARR_V3_READ, join(tmp, 'out', 'mosaic.ome.zarr'));
    expect(zarr.axes.map((a) => [a.name, a.unit ?? null])).toEqual([
      ['t', null],
      ['c', null],
      ['y', 'micrometer'],
      ['x', 'micrometer'],
    ]);
    expect(zarr.levels[0]!.shape).toEqual([1, 2, h, w]);
    expect(zarr.levels[0]!.scale).toEqual([1, 1, 0.65, 0.65]);
    const total = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
    expect(zarr.levels[0]!.sums).toEqual([[total(c0.array.data), total(c1.array.data)]]);
  });

  it('refuses bad input with one clear line', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'metdb-stitch-'));
    for (const n of mistNames.slice(0, 4)) copyFileSync(join(mist, n), join(tmp, n));
    const layout = join(tmp, 'TileConfiguration.txt');
    writeFileSync(layout, `dim = 2\n${mistNames[0]}; ; (0, 0)\nmissing_tile.tif; ; (230, 0)\n`);
    const cases: [string[], RegExp][] = [
      [['--layout', layout], /TileConfiguration\.txt names 1 file\(s\) missing from .*: missing_tile\.tif$/],
      [['--grid', '2x2', '--overlap', '0%'], /no two tiles overlap in the layout \(tiles 245x183 px\)$/],
      [['--grid', '3x3', '--overlap', '6%'], /grid 3x3 needs 9 tiles, the folder has 4$/],
    ];
    for (const [args, message] of cases) {
      const r = metdb('stitch', tmp, ...args, '--out', join(tmp, 'out'));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    // A tile of another size.
    writeFileSync(
      join(tmp, mistNames[3]!),
      encodeTiff({ data: new Uint16Array(100 * 90), shape: [90, 100] }),
    );
    const r = metdb('stitch', tmp, '--grid', '2x2', '--overlap', '6%', '--out', join(tmp, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `metdb: tiles of different sizes: ${mistNames[3]} is 100x90 px, ${mistNames[0]} is 245x183 px`,
    );
  });

  it('takes the layout from OME stage positions when no layout is given', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'metdb-stitch-'));
    const canvas = (await readImageFile(join(root, 'test/fixtures/images/cell_u16.tif'))).array;
    // 2 x 2 tiles of 200x220 px, 0.5 µm pixels, 25 % overlap; the stage is off by a few pixels.
    const truth = [
      { x: 10, y: 12 },
      { x: 10 + 153, y: 12 - 2 },
      { x: 10 - 3, y: 12 + 167 },
      { x: 10 + 148, y: 12 + 164 },
    ];
    const stage = [
      [0, 0],
      [150, 0],
      [0, 165],
      [150, 165],
    ];
    cutTiles(canvas, truth, 200, 220, 300).forEach((tile, k) => {
      const [sx, sy] = stage[k]!;
      const description = omeXmlDescription({
        name: `t${k}`,
        sizeX: 200,
        sizeY: 220,
        sizeC: 1,
        pixelType: 'uint16',
        physicalSizeX: 0.5,
        physicalSizeY: 0.5,
      }).replace(
        '<TiffData',
        `<Plane TheC="0" TheT="0" TheZ="0" PositionX="${1000 + sx! * 0.5}" PositionXUnit="µm" PositionY="${2000 + sy! * 0.5}" PositionYUnit="µm"/><TiffData`,
      );
      writeFileSync(join(tmp, `t${k}.tif`), encodeTiff(tile, { description }));
    });
    const r = metdb('stitch', tmp, '--out', join(tmp, 'out'), '--json', '--no-fuse');
    expect(r.stderr).toBe('');
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.acceptedEdges).toBe(6);
    const [p0] = summary.positions;
    summary.positions.forEach((p, k) => {
      expect(Math.abs(p.x - p0!.x - (truth[k]!.x - truth[0]!.x))).toBeLessThan(0.5);
      expect(Math.abs(p.y - p0!.y - (truth[k]!.y - truth[0]!.y))).toBeLessThan(0.5);
    });
    // Without positions in the files: one line saying what to give instead.
    const plain = mkdtempSync(join(tmpdir(), 'metdb-stitch-'));
    for (const n of mistNames.slice(0, 2)) copyFileSync(join(mist, n), join(plain, n));
    const bad = metdb('stitch', plain, '--out', join(plain, 'out'));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^metdb: .*: no pixel size to turn OME stage positions into pixels; give --layout FILE or --grid$/,
    );
  });

  it('needs one layout, an output folder and valid grid options (usage, exit 2)', () => {
    expect(metdb('stitch', mist, '--layout', 'T.txt', '--grid', '5x5', '--out', '/tmp/x').stderr).toMatch(
      /give either --layout FILE or --grid ROWSxCOLS, not both/,
    );
    expect(metdb('stitch', mist, '--grid', '5x5', '--overlap', '6%').code).toBe(2);
    expect(metdb('stitch', mist, '--grid', '5by5', '--overlap', '6%', '--out', '/tmp/x').stderr).toMatch(
      /--grid must be ROWSxCOLS/,
    );
    expect(
      metdb('stitch', mist, '--grid', '5x5', '--overlap', '6%', '--order', 'spiral', '--out', '/tmp/x').code,
    ).toBe(2);
  });
});
