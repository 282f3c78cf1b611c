import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { overlapPixels } from '../../shared/stitching/overlap-ncc.js';
import { planMosaic } from '../../shared/stitching/plan-mosaic.js';
import { registerEdge, type EdgeMeasurement } from '../../shared/stitching/register-edge.js';
import { solveMosaic } from '../../shared/stitching/solve-mosaic.js';
import { stageSearch } from '../../shared/stitching/stage-search.js';
import { stitchTiles } from '../../shared/stitching/stitch-tiles.js';
import { seededUniform } from '../../shared/random/seeded.js';

const dir = new URL('../fixtures/stitching/mist/', import.meta.url).pathname;
const names = readdirSync(dir)
  .filter((n) => n.endsWith('.tif'))
  .sort();

describe('planMosaic + solveMosaic (the fan-out seam)', () => {
  it('gives the positions of stitchTiles from measurements made in any order and sent as JSON', async () => {
    const tiles = (await Promise.all(names.map((n) => readImageFile(join(dir, n))))).map((t) => t.array);
    const layout = gridLayout(names, {
      rows: 5,
      columns: 5,
      width: 245,
      height: 183,
      overlapX: 0.06,
      order: 'column',
    });
    const plan = planMosaic(layout, 245, 183);
    expect(plan.pairs).toHaveLength(40);
    expect(plan.nulls).toHaveLength(100);
    // Each edge measured on its own, in a shuffled order, its result through JSON (NaN -> null).
    const random = seededUniform(3);
    const order = plan.pairs.map((_, k) => k).sort(() => random() - 0.5);
    const wire = new Map<number, string>();
    for (const k of order) {
      const p = plan.pairs[k]!;
      wire.set(k, JSON.stringify(registerEdge(tiles[p.i]!, tiles[p.j]!, p, plan.edge)));
    }
    const measured = plan.pairs.map((_, k) => {
      const m = JSON.parse(wire.get(k)!) as Record<string, number | null>;
      return Object.fromEntries(
        Object.entries(m).map(([key, v]) => [key, v ?? NaN]),
      ) as unknown as EdgeMeasurement;
    });
    const turn = (k: number) => ({ data: tiles[k]!.data.slice().reverse(), shape: tiles[k]!.shape });
    const nullNccs = plan.nulls.map(
      (n) =>
        registerEdge(tiles[n.a]!, n.turned ? turn(n.b) : tiles[n.b]!, plan.pairs[n.geometry]!, plan.edge).ncc,
    );
    const solved = solveMosaic(layout, plan, measured, nullNccs, (i, j, box, minPixels) => {
      const found = stageSearch(tiles[i]!, tiles[j]!, box, minPixels);
      return found && { ...found, overlap: overlapPixels(tiles[i]!, tiles[j]!, found.dx, found.dy) };
    });
    const direct = stitchTiles(tiles, layout);
    expect(solved.threshold.threshold).toBe(direct.threshold.threshold);
    solved.tiles.forEach((t, k) => {
      expect(t.x).toBeCloseTo(direct.tiles[k]!.x, 9);
      expect(t.y).toBeCloseTo(direct.tiles[k]!.y, 9);
    });
    expect(solved.edges.map((e) => e.status)).toEqual(direct.edges.map((e) => e.status));
  });

  it('draws the same null pairs for the same seed, and pairs turned tiles when few tiles are apart', () => {
    const layout = gridLayout(['a', 'b', 'c', 'd'], {
      rows: 2,
      columns: 2,
      width: 100,
      height: 100,
      overlapX: 0.2,
    });
    const one = planMosaic(layout, 100, 100);
    expect(planMosaic(layout, 100, 100).nulls).toEqual(one.nulls);
    expect(one.nulls.some((n) => n.turned)).toBe(true);
    for (const n of one.nulls) {
      if (!n.turned)
        expect(one.pairs.some((p) => (p.i === n.a && p.j === n.b) || (p.i === n.b && p.j === n.a))).toBe(
          false,
        );
      expect(n.a).not.toBe(n.b);
    }
  });
});
