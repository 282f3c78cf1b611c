import { escapeHtml } from './escape-html.js';

/** Plot area geometry shared by the charts, in SVG user units (CSS pixels). */
export interface ChartFrame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export const DEFAULT_FRAME: ChartFrame = {
  width: 640,
  height: 280,
  left: 56,
  right: 16,
  top: 28,
  bottom: 40,
};

/** A linear scale from [d0, d1] to [r0, r1]; a zero-width domain is widened by 1 each side. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const [a, b] = d0 === d1 ? [d0 - 1, d1 + 1] : [d0, d1];
  return (v) => r0 + ((v - a) / (b - a)) * (r1 - r0);
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toFixed(10)));
  return ticks;
}

/** The SVG opening tag with a title for screen readers, and a chart title drawn at the top. */
export function svgOpen(frame: ChartFrame, title: string, id: string): string {
  return (
    `<svg id="${escapeHtml(id)}" class="plot" xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" ` +
    `viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>` +
    `<text x="${frame.left}" y="16" class="chart-title">${escapeHtml(title)}</text>`
  );
}

/** A y axis with grid lines and labels, and an x axis line with a label. */
export function axes(
  frame: ChartFrame,
  y: (v: number) => number,
  yTicks: readonly number[],
  xLabel: string,
  yLabel: string,
): string {
  const x0 = frame.left;
  const x1 = frame.width - frame.right;
  const yBottom = frame.height - frame.bottom;
  const parts = yTicks.map(
    (t) =>
      `<line x1="${x0}" x2="${x1}" y1="${f(y(t))}" y2="${f(y(t))}" class="grid"/>` +
      `<text x="${x0 - 6}" y="${f(y(t) + 4)}" text-anchor="end" class="tick">${fmt(t)}</text>`,
  );
  parts.push(`<line x1="${x0}" x2="${x1}" y1="${yBottom}" y2="${yBottom}" class="axis"/>`);
  parts.push(`<line x1="${x0}" x2="${x0}" y1="${frame.top}" y2="${yBottom}" class="axis"/>`);
  parts.push(
    `<text x="${(x0 + x1) / 2}" y="${frame.height - 6}" text-anchor="middle" class="label">${escapeHtml(xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(frame.top + yBottom) / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(yLabel)}</text>`,
  );
  return parts.join('');
}

/** A coordinate with two decimals. */
export function f(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : '0';
}

/** A tick label: up to 3 significant decimals, no trailing zeros. */
export function fmt(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Colours of the series (colour-blind safe, Okabe-Ito). */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
