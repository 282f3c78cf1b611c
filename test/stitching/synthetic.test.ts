import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { fuseMosaic } from '../../shared/stitching/fuse-mosaic.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { registerEdge } from '../../shared/stitching/register-edge.js';
import { solvePositions } from '../../shared/stitching/solve-positions.js';
import { stitchTiles } from '../../shared/stitching/stitch-tiles.js';
import { cutTiles } from './cut-tiles.js';
import { seededUniform } from '../../shared/random/seeded.js';

// A real, low-texture image (quantitative phase of a cell, 660x550): tiles cut from it with
// per-tile noise, at known whole-pixel positions.
let canvas: NdArray;
beforeAll(async () => {
  canvas = (await readImageFile(new URL('../fixtures/images/cell_u16.tif', import.meta.url).pathname)).array;
});

describe('registerEdge', () => {
  it('finds offsets up to the margin away from the nominal one, to a fraction of a pixel', () => {
    const [w, h] = [256, 224];
    for (const [ex, ey] of [
      [-37, 23],
      [29, -21],
      [0, 0],
    ] as const) {
      const truth = { x: 40 + 192 + ex, y: 60 + ey };
      const [a, b] = cutTiles(canvas, [{ x: 40, y: 60 }, truth], w, h, 300, 3);
      const m = registerEdge(a!, b!, { i: 0, j: 1, dx: 192, dy: 0 }, { marginX: 40, marginY: 30 });
      expect(Math.abs(m.dx - (truth.x - 40))).toBeLessThan(0.3);
      expect(Math.abs(m.dy - (truth.y - 60))).toBeLessThan(0.3);
      expect(m.ncc).toBeGreaterThan(0.9);
    }
  });
});

describe('stitchTiles on a 3x3 grid cut from a real image', () => {
  const [w, h] = [200, 240];
  const names = Array.from({ length: 9 }, (_, k) => `tile_${k}.tif`);
  const layout = gridLayout(names, { rows: 3, columns: 3, width: w, height: h, overlapX: 0.2 });
  const random = seededUniform(11);
  // Stage errors up to 12 px around a nominal grid that starts at (14, 14).
  const truth = layout.tiles.map((t) => ({
    x: 14 + t.x + Math.round((random() - 0.5) * 24),
    y: 14 + t.y + Math.round((random() - 0.5) * 24),
  }));

  it('recovers every position within 0.5 px (noise 1 % of the range)', () => {
    const tiles = cutTiles(canvas, truth, w, h, 600);
    const result = stitchTiles(tiles, layout);
    expect(result.tiles.every((t) => t.status === 'registered')).toBe(true);
    const ox = truth.reduce((s, t, k) => s + t.x - result.tiles[k]!.x, 0) / truth.length;
    const oy = truth.reduce((s, t, k) => s + t.y - result.tiles[k]!.y, 0) / truth.length;
    result.tiles.forEach((t, k) => {
      expect(Math.abs(t.x + ox - truth[k]!.x)).toBeLessThan(0.5);
      expect(Math.abs(t.y + oy - truth[k]!.y)).toBeLessThan(0.5);
    });
  });

  it('keeps a tile without texture at its stage position and reports it', () => {
    const tiles = cutTiles(canvas, truth, w, h, 600);
    // An empty field: the corner tile holds only noise around a constant background.
    const blank = seededUniform(5);
    tiles[8] = { data: tiles[8]!.data.map(() => 30000 + Math.round(600 * (blank() - 0.5))), shape: [h, w] };
    const result = stitchTiles(tiles, layout);
    const stage = result.tiles.filter((t) => t.status === 'stage');
    expect(stage.map((t) => t.name)).toEqual(['tile_8.tif']);
    expect(stage[0]!.x).toBeCloseTo(layout.tiles[8]!.x, 3);
    expect(stage[0]!.y).toBeCloseTo(layout.tiles[8]!.y, 3);
    const blankEdges = result.edges.filter((e) => e.j === 8);
    expect(blankEdges.length).toBe(3);
    expect(blankEdges.every((e) => e.status !== 'accepted')).toBe(true);
  });
});

describe('solvePositions', () => {
  it('solves a redundant grid exactly and removes a wrong edge', () => {
    const nominal = Array.from({ length: 9 }, (_, k) => ({ x: (k % 3) * 100, y: Math.floor(k / 3) * 80 }));
    const truth = nominal.map((p, k) => ({ x: p.x + ((k * 7) % 5) - 2, y: p.y + ((k * 3) % 4) }));
    const edges = [];
    for (let k = 0; k < 9; k++) {
      for (const j of [k % 3 < 2 ? k + 1 : -1, k + 3 < 9 ? k + 3 : -1]) {
        if (j < 0) continue;
        edges.push({ i: k, j, dx: truth[j]!.x - truth[k]!.x, dy: truth[j]!.y - truth[k]!.y, weight: 1 + k });
      }
    }
    edges[5] = { ...edges[5]!, dx: edges[5]!.dx + 15, weight: 50 };
    const solved = solvePositions(nominal, edges);
    expect(solved.kept.filter((k) => !k)).toHaveLength(1);
    expect(solved.kept[5]).toBe(false);
    for (let k = 1; k < 9; k++) {
      expect(solved.x[k]! - solved.x[0]!).toBeCloseTo(truth[k]!.x - truth[0]!.x, 4);
      expect(solved.y[k]! - solved.y[0]!).toBeCloseTo(truth[k]!.y - truth[0]!.y, 4);
    }
  });
});

describe('fuseMosaic', () => {
  it('rebuilds the image the tiles were cut from, exactly, wherever tiles cover it', () => {
    const pos = [
      { x: 10, y: 20 },
      { x: 180, y: 25 },
      { x: 12, y: 170 },
      { x: 175, y: 168 },
    ];
    const tiles = cutTiles(canvas, pos, 200, 180, 0);
    const fused = fuseMosaic(tiles, pos);
    expect([fused.originX, fused.originY]).toEqual([10, 20]);
    expect(fused.image.shape).toEqual([170 - 20 + 180, 180 - 10 + 200]);
    const [fh, fw] = fused.image.shape as [number, number];
    let covered = 0;
    let wrong = 0;
    const cw = canvas.shape[1]!;
    for (let y = 0; y < fh; y++) {
      for (let x = 0; x < fw; x++) {
        const inside = pos.some(
          (p) => x + 10 >= p.x && x + 10 < p.x + 200 && y + 20 >= p.y && y + 20 < p.y + 180,
        );
        const v = fused.image.data[y * fw + x]!;
        if (inside) covered++;
        if (v !== (inside ? canvas.data[(y + 20) * cw + x + 10] : 0)) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(covered).toBeGreaterThan(0.9 * fh * fw);
  });
});
