import { describe, expect, it } from 'vitest';
import type { ImageResult, TileShift } from '../../shared/outputs/image-result.js';
import { renderReport } from '../../shared/report/render-report.js';

/** A 4 x 4 grid of 64-pixel tiles over a 256 x 256 image, each shifted by `shift` plus a small spread. */
function tiles(shift: [number, number]): TileShift[] {
  return Array.from({ length: 16 }, (_, k) => ({
    index: k,
    start: [64 * Math.floor(k / 4), 64 * (k % 4)],
    size: [64, 64],
    shift: [shift[0] + 0.05 * (k % 3), shift[1] - 0.04 * (k % 5)],
    weight: 1,
    skipped: false,
    quality: 'good' as const,
  }));
}

function registered(i: number, shift: [number, number], pixelSizeUm: number | null): ImageResult {
  return {
    imageId: `id${i}`,
    file: `f${i}.tif`,
    role: 'registered',
    failureReason: null,
    quality: 'good',
    qualityReasons: [],
    nccChance: 0.1,
    jobId: `job${i}`,
    shape: [256, 256],
    pixelType: 'uint16',
    pixelSize: pixelSizeUm === null ? null : { x: pixelSizeUm, y: pixelSizeUm, z: null, unit: 'µm' },
    shift,
    residualRms: 0.05,
    residualMax: 0.1,
    tileErrorMedian: 0.2,
    nccBefore: 0.5 + i / 10,
    nccAfter: 0.9 + i / 100,
    tilesUsed: 16,
    tilesRejected: 0,
    tiles: tiles(shift),
  };
}

/** Per chart id: each tile arrow's drawn length over its shift's length (y-x), CSS px per px. */
function arrowGains(html: string): Map<string, number[]> {
  const gains = new Map<string, number[]>();
  for (const svg of html.matchAll(/<svg id="(plot-tiles-\d+)"[\s\S]*?<\/svg>/g)) {
    const list: number[] = [];
    for (const g of svg[0].matchAll(
      /<title>tile \d+: shift \(([^)]*)\) px[^<]*<\/title>.*?<path d="M([-\d.]+),([-\d.]+)L([-\d.]+),([-\d.]+)/g,
    )) {
      const [dy, dx] = g[1]!.split(',').map(Number) as [number, number];
      const drawn = Math.hypot(Number(g[4]) - Number(g[2]), Number(g[5]) - Number(g[3]));
      list.push(drawn / Math.hypot(dy, dx));
    }
    gains.set(svg[1]!, list);
  }
  return gains;
}

describe('the per-tile shift fields of a report', () => {
  it('draw every frame on one arrow scale, shown by a scale arrow in px and µm', () => {
    const results = [
      registered(1, [0.6, -0.4], 0.1),
      registered(2, [12, -5], 0.1),
      registered(3, [3, 2], null),
    ];
    const html = renderReport({ dataset: 'd', results, finishedAt: new Date(0) });
    const gains = arrowGains(html);
    expect([...gains.keys()].sort()).toEqual(['plot-tiles-0', 'plot-tiles-1', 'plot-tiles-2']);
    const all = [...gains.values()].flat();
    expect(all).toHaveLength(48);
    // Coordinates have two decimals: the gains agree to that rounding, across frames.
    for (const g of all) expect(Math.abs(g / all[0]! - 1)).toBeLessThan(0.02);
    // The longest arrow (frame 2, about 13 px) spans half a 64 px tile: 288 / 256 CSS px per image px.
    const longest = Math.max(
      ...results.flatMap((r) => r.tiles.map((t) => Math.hypot(...(t.shift as [number, number])))),
    );
    expect(all[0]!).toBeCloseTo((0.5 * 64 * (288 / 256)) / longest, 1);
    const scales = [
      ...html.matchAll(
        /<g class="scale-arrow"><path d="M([-\d.]+),[-\d.]+L([-\d.]+),[^"]*"[^>]*\/><text[^>]*>([^<]*)<\/text>/g,
      ),
    ];
    expect(scales).toHaveLength(3);
    for (const s of scales) {
      const length = Number(/^([\d.]+) px shift/.exec(s[3]!)![1]);
      expect((Number(s[2]) - Number(s[1])) / length).toBeCloseTo(all[0]!, 1);
    }
    expect(scales[0]![3]).toMatch(/^\d+(\.\d+)? px shift \([\d.]+ µm\)$/);
    expect(scales.some((s) => !s[3]!.includes('µm'))).toBe(true); // frame 3 states no pixel size
  });

  it('counts the reference apart from the registered images, as the console does', () => {
    const reference: ImageResult = {
      ...registered(0, [0, 0], null),
      role: 'reference',
      quality: null,
      tiles: [],
    };
    const html = renderReport({
      dataset: 'd',
      results: [reference, registered(1, [1, 1], null)],
      finishedAt: new Date(0),
    });
    expect(html).toMatch(/<th>images<\/th><td>2<\/td>/);
    expect(html).toMatch(/<th>reference<\/th><td>1<\/td>/);
    expect(html).toMatch(/<th>registered<\/th><td>1<\/td>/);
  });
});
