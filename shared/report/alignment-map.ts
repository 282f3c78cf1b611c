import type { StitchResult } from '../stitching/stitch-result.js';
import { escapeHtml } from './escape-html.js';

/**
 * The mosaic's alignment map as inline SVG (ASHLAR's edge-quality plot): every tile's rectangle at
 * its registered position (a dashed outline where it kept its stage position), and every
 * registered pair as a line between tile centres coloured by its NCC (red at the acceptance
 * threshold, green at 1); rejected edges are grey and dashed, with their reason in the tooltip.
 */
export function alignmentMap(result: StitchResult, maxWidth = 900): string {
  const { tiles, edges, width, height } = result;
  const minX = Math.min(...tiles.map((t) => t.x));
  const minY = Math.min(...tiles.map((t) => t.y));
  const spanX = Math.max(...tiles.map((t) => t.x)) - minX + width;
  const spanY = Math.max(...tiles.map((t) => t.y)) - minY + height;
  const scale = Math.min(maxWidth / spanX, 700 / spanY);
  const pad = 10;
  const sx = (x: number): number => pad + (x - minX) * scale;
  const sy = (y: number): number => pad + (y - minY) * scale;
  const f = (v: number): string => v.toFixed(1);
  const threshold = Number.isFinite(result.threshold.threshold) ? result.threshold.threshold : 0;
  const rects = tiles.map(
    (t, k) =>
      `<rect class="${t.status === 'stage' ? 'stage-tile' : 'mosaic-tile'}" x="${f(sx(t.x))}" y="${f(sy(t.y))}" width="${f(width * scale)}" height="${f(height * scale)}"><title>${escapeHtml(`#${k} ${t.name}: (${t.x.toFixed(2)}, ${t.y.toFixed(2)}) px, ${t.edges} accepted edges${t.status === 'stage' ? ', kept at its stage position' : ''}`)}</title></rect>` +
      `<text class="tile-label" x="${f(sx(t.x) + 3)}" y="${f(sy(t.y) + 11)}">${k}</text>`,
  );
  const cx = (k: number): number => sx(tiles[k]!.x + width / 2);
  const cy = (k: number): number => sy(tiles[k]!.y + height / 2);
  const lines = edges.map((e) => {
    const accepted = e.status === 'accepted';
    const colour = accepted ? nccColour(e.ncc, threshold) : '#999';
    const tip = `${tiles[e.i]!.name} - ${tiles[e.j]!.name}: ${e.status}${e.method === 'stage' ? ' (stage model search)' : ''}, NCC ${Number.isFinite(e.ncc) ? e.ncc.toFixed(3) : 'none'}, offset (${Number.isFinite(e.dx) ? `${e.dx.toFixed(2)}, ${e.dy.toFixed(2)}` : 'none'}) px, nominal (${e.nominalDx.toFixed(1)}, ${e.nominalDy.toFixed(1)}), residual ${Number.isFinite(e.residual) ? e.residual.toFixed(2) : '-'} px`;
    return `<line class="${accepted ? 'edge' : 'edge rejected'}" x1="${f(cx(e.i))}" y1="${f(cy(e.i))}" x2="${f(cx(e.j))}" y2="${f(cy(e.j))}" stroke="${colour}"><title>${escapeHtml(tip)}</title></line>`;
  });
  const w = Math.ceil(spanX * scale + 2 * pad);
  const h = Math.ceil(spanY * scale + 2 * pad);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="alignment-map" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="alignment map">${rects.join('')}${lines.join('')}</svg>`;
}

/** Red at the threshold, through yellow, to green at NCC 1. */
function nccColour(ncc: number, threshold: number): string {
  const t = Math.max(0, Math.min(1, (ncc - threshold) / Math.max(1e-6, 1 - threshold)));
  const r = Math.round(t < 0.5 ? 215 : 215 - (t - 0.5) * 2 * 180);
  const g = Math.round(t < 0.5 ? 40 + t * 2 * 150 : 190);
  return `rgb(${r},${g},40)`;
}
