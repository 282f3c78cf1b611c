import { f, fmt } from './chart-frame.js';
import { escapeHtml } from './escape-html.js';
import type { TileShift } from '../outputs/image-result.js';

export interface TileFieldOptions {
  /** Width of the drawing, CSS pixels (height follows the image's aspect ratio). @default 300 */
  width?: number;
  /** Element id of the SVG. @default 'plot-tiles' */
  id?: string;
}

/**
 * The per-tile shift field of one image: the image's y-x extent with a rectangle per tile and an
 * arrow from the tile's centre along its registering shift (x to the right, y down, as the image
 * is displayed), magnified so the longest arrow spans about half a tile; the arrow colour is the
 * tile's distance from the image's solved shift (green near, red 0.5 px or more away). Skipped
 * tiles get a grey cross. For 3D bricks the z component is not drawn.
 *
 * @param shape image shape, axis order (z,) y, x, pixels
 * @param solved the image's solved shift (same axes), or null
 */
export function tileFieldChart(
  title: string,
  shape: readonly number[],
  tiles: readonly TileShift[],
  solved: readonly number[] | null,
  options: TileFieldOptions = {},
): string {
  const { width = 300, id = 'plot-tiles' } = options;
  const ny = shape[shape.length - 2] ?? 1;
  const nx = shape[shape.length - 1] ?? 1;
  const pad = 6;
  const top = 22;
  const s = (width - 2 * pad) / nx;
  const height = Math.round(top + ny * s + pad);
  const yx = (v: readonly number[]): [number, number] => [v[v.length - 2] ?? 0, v[v.length - 1] ?? 0];
  const tileEdge = Math.min(...tiles.map((t) => Math.min(...yx(t.size))), Math.min(ny, nx));
  const longest = Math.max(1e-9, ...tiles.map((t) => (t.shift === null ? 0 : Math.hypot(...yx(t.shift)))));
  const gain = (0.5 * tileEdge) / longest;
  const parts = [
    `<svg id="${escapeHtml(id)}" class="plot" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text x="${pad}" y="15" class="chart-title">${escapeHtml(title)}</text>`,
    `<rect x="${pad}" y="${top}" width="${f(nx * s)}" height="${f(ny * s)}" class="canvas"/>`,
  ];
  for (const t of tiles) {
    const [y0, x0] = yx(t.start);
    const [h, w] = yx(t.size);
    const cy = top + (y0 + h / 2) * s;
    const cx = pad + (x0 + w / 2) * s;
    parts.push(
      `<rect x="${f(pad + x0 * s)}" y="${f(top + y0 * s)}" width="${f(w * s)}" height="${f(h * s)}" class="tile"/>`,
    );
    if (t.shift === null) {
      const r = 3;
      parts.push(
        `<path d="M${f(cx - r)},${f(cy - r)}L${f(cx + r)},${f(cy + r)}M${f(cx - r)},${f(cy + r)}L${f(cx + r)},${f(cy - r)}" class="skipped"><title>tile ${t.index}: skipped</title></path>`,
      );
      continue;
    }
    const [dy, dx] = yx(t.shift);
    const residual = solved === null ? 0 : Math.hypot(...t.shift.map((v, a) => v - (solved[a] ?? 0)));
    const colour = residualColour(residual);
    const ex = cx + dx * gain * s;
    const ey = cy + dy * gain * s;
    const angle = Math.atan2(ey - cy, ex - cx);
    const head = 5;
    const hx = (sign: number) => f(ex - head * Math.cos(angle + (sign * Math.PI) / 7));
    const hy = (sign: number) => f(ey - head * Math.sin(angle + (sign * Math.PI) / 7));
    const label = `tile ${t.index}: shift (${t.shift.map((v) => v.toFixed(3)).join(', ')}) px, ${residual.toFixed(3)} px from the solved shift, weight ${fmt(t.weight ?? 0)}`;
    parts.push(
      `<g><title>${escapeHtml(label)}</title><circle cx="${f(cx)}" cy="${f(cy)}" r="1.5" fill="${colour}"/>` +
        `<path d="M${f(cx)},${f(cy)}L${f(ex)},${f(ey)}M${hx(1)},${hy(1)}L${f(ex)},${f(ey)}L${hx(-1)},${hy(-1)}" stroke="${colour}" stroke-width="1.6" fill="none"/></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Green at 0, yellow at 0.25 px, red from 0.5 px. */
function residualColour(residual: number): string {
  const t = Math.min(1, residual / 0.5);
  const r = Math.round(t < 0.5 ? 40 + 2 * t * 190 : 230);
  const g = Math.round(t < 0.5 ? 160 : 160 - (t - 0.5) * 2 * 130);
  return `rgb(${r},${g},40)`;
}
