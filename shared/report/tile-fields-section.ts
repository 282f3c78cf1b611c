import { pixelSizeUm } from '../imaging/pixel-size.js';
import type { ImageResult } from '../outputs/image-result.js';
import { tileFieldChart, tileFieldGeometry } from './tile-field-chart.js';

/** Width of each tile field chart, CSS pixels. */
const CHART_WIDTH = 300;

/**
 * The per-tile shift fields of the worst `maxCharts` registered images (lowest NCC after), all on
 * one arrow scale (`commonArrowScale`) so that a frame's arrows can be compared with another's.
 */
export function tileFieldsSection(results: readonly ImageResult[], maxCharts: number): string[] {
  const worstFirst = results
    .filter((r) => r.role === 'registered' && r.shape !== null && r.tiles.length > 0)
    .sort((a, b) => (a.nccAfter ?? -2) - (b.nccAfter ?? -2))
    .slice(0, maxCharts);
  const arrowScale = commonArrowScale(worstFirst);
  return worstFirst.map((r) => {
    const i = results.indexOf(r);
    const um = r.pixelSize === null ? null : (pixelSizeUm(r.pixelSize, 2)[1] ?? null);
    return tileFieldChart(`#${i} ${r.file}`, r.shape!, r.tiles, r.shift, {
      id: `plot-tiles-${i}`,
      width: CHART_WIDTH,
      arrowScale,
      pixelSizeUm: um,
    });
  });
}

/**
 * One arrow scale for all charts, CSS pixels per pixel of shift: the longest tile shift of any
 * image spans half of the smallest tile drawn.
 */
export function commonArrowScale(results: readonly ImageResult[]): number {
  const geometry = results.map((r) => tileFieldGeometry(r.shape!, r.tiles, CHART_WIDTH));
  const room = Math.min(...geometry.map((g) => 0.5 * g.tileEdge * g.pixelsPerImagePixel));
  const longest = Math.max(1e-9, ...geometry.map((g) => g.longestShift));
  return Number.isFinite(room) ? room / longest : 1;
}
