import { f, fmt } from './chart-frame.js';
import { escapeHtml } from './escape-html.js';
import type { TileShift } from '../outputs/image-result.js';

export interface TileFieldOptions {
  /** Width of the drawing, CSS pixels (height follows the image's aspect ratio). @default 300 */
  width?: number;
  /** Element id of the SVG. @default 'plot-tiles' */
  id?: string;
  /**
   * Arrow length per pixel of shift, CSS pixels: give every chart of a report the same one
   * (`commonArrowScale`) so that arrows compare across frames. A scale arrow is drawn with it.
   * @default the longest arrow of this image spans half a tile
   */
  arrowScale?: number;
  /** Size of one pixel in µm (x), to label the scale arrow in µm too; null when unknown. @default null */
  pixelSizeUm?: number | null;
}

/** What fixes a chart's arrow scale: drawing pixels per image pixel, the smallest tile edge, the longest tile shift. */
export function tileFieldGeometry(
  shape: readonly number[],
  tiles: readonly TileShift[],
  width = 300,
): { pixelsPerImagePixel: number; tileEdge: number; longestShift: number } {
  const ny = shape[shape.length - 2] ?? 1;
  const nx = shape[shape.length - 1] ?? 1;
  const tileEdge = Math.min(...tiles.map((t) => Math.min(...yx(t.size))), Math.min(ny, nx));
  const longestShift = Math.max(0, ...tiles.map((t) => (t.shift === null ? 0 : Math.hypot(...yx(t.shift)))));
  return { pixelsPerImagePixel: (width - 2 * PAD) / nx, tileEdge, longestShift };
}

/** The y and x components of a (z,) y, x vector. */
function yx(v: readonly number[]): [number, number] {
  return [v[v.length - 2] ?? 0, v[v.length - 1] ?? 0];
}

const PAD = 6;

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
  const { width = 300, id = 'plot-tiles', pixelSizeUm = null } = options;
  const ny = shape[shape.length - 2] ?? 1;
  const nx = shape[shape.length - 1] ?? 1;
  const pad = PAD;
  const top = 22;
  const { pixelsPerImagePixel: s, tileEdge, longestShift } = tileFieldGeometry(shape, tiles, width);
  const arrowScale = options.arrowScale ?? (0.5 * tileEdge * s) / Math.max(1e-9, longestShift);
  const height = Math.round(top + ny * s + pad + 18);
  // Arrows are drawn at arrowScale CSS pixels per pixel of shift: gain in image pixels per shift pixel.
  const gain = arrowScale / s;
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
  parts.push(scaleArrow(pad, top + ny * s + 14, arrowScale, pixelSizeUm));
  parts.push('</svg>');
  return parts.join('');
}

/** A black arrow of a round number of pixels of shift, drawn at the chart's scale, and its length. */
function scaleArrow(x: number, y: number, arrowScale: number, pixelSizeUm: number | null): string {
  const length = scaleArrowLength(arrowScale);
  const end = x + length * arrowScale;
  const um = pixelSizeUm === null ? '' : ` (${fmt(length * pixelSizeUm)} µm)`;
  return (
    `<g class="scale-arrow"><path d="M${f(x)},${f(y)}L${f(end)},${f(y)}M${f(end - 5)},${f(y - 3)}L${f(end)},${f(y)}L${f(end - 5)},${f(y + 3)}" stroke="#222" stroke-width="1.4" fill="none"/>` +
    `<text x="${f(end + 6)}" y="${f(y + 4)}" class="tick">${escapeHtml(`${fmt(length)} px shift${um}`)}</text></g>`
  );
}

/** A round shift length (1, 2 or 5 times a power of ten, pixels) drawn 20 to 60 CSS pixels long. */
export function scaleArrowLength(arrowScale: number): number {
  const raw = 40 / Math.max(1e-12, arrowScale);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((a, b) => (Math.abs(b - raw) < Math.abs(a - raw) ? b : a));
}

/** Green at 0, yellow at 0.25 px, red from 0.5 px. */
function residualColour(residual: number): string {
  const t = Math.min(1, residual / 0.5);
  const r = Math.round(t < 0.5 ? 40 + 2 * t * 190 : 230);
  const g = Math.round(t < 0.5 ? 160 : 160 - (t - 0.5) * 2 * 130);
  return `rgb(${r},${g},40)`;
}
