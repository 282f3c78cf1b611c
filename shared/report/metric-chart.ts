import {
  axes,
  DEFAULT_FRAME,
  f,
  linearScale,
  niceTicks,
  SERIES_COLOURS,
  svgOpen,
  type ChartFrame,
} from './chart-frame.js';
import { escapeHtml } from './escape-html.js';

export interface MetricChartInput {
  readonly title: string;
  /** The SVG element's id. */
  readonly id: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** One label per point along x. */
  readonly labels: readonly string[];
  /** One line per metric; null (or a non-finite value) leaves a gap. */
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
}

/**
 * A line chart of one or more metrics against a point label (a section, a frame), dots with their
 * values as tooltips, the y range from the data (not forced through 0). Inline SVG.
 */
export function metricChart(input: MetricChartInput, frame: ChartFrame = DEFAULT_FRAME): string {
  const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
  const all = input.series.flatMap((s) => s.values.filter(finite));
  const [lo, hi] = all.length === 0 ? [0, 1] : [Math.min(...all), Math.max(...all)];
  const pad = hi === lo ? Math.abs(hi) * 0.05 || 0.05 : (hi - lo) * 0.08;
  const ticks = niceTicks(lo - pad, hi + pad);
  const y = linearScale(
    Math.min(lo - pad, ...ticks),
    Math.max(hi + pad, ...ticks),
    frame.height - frame.bottom,
    frame.top,
  );
  const n = input.labels.length;
  const x = linearScale(0, Math.max(1, n - 1), frame.left + 12, frame.width - frame.right - 12);
  const parts = [svgOpen(frame, input.title, input.id), axes(frame, y, ticks, input.xLabel, input.yLabel)];
  const step = Math.max(1, Math.ceil(n / 12));
  input.labels.forEach((label, i) => {
    if (i % step !== 0) return;
    parts.push(
      `<text x="${f(x(i))}" y="${frame.height - frame.bottom + 14}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`,
    );
  });
  input.series.forEach((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (!finite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f(x(i))},${f(y(v))}`;
      pen = true;
    });
    if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const r = n > 60 ? 1.5 : 3;
    s.values.forEach((v, i) => {
      if (!finite(v)) return;
      parts.push(
        `<circle cx="${f(x(i))}" cy="${f(y(v))}" r="${r}" fill="${colour}"><title>${escapeHtml(`${input.labels[i] ?? i}: ${s.name} = ${Number(v.toPrecision(5))}`)}</title></circle>`,
      );
    });
    const lx = frame.width - frame.right - (input.series.length - k) * 52;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="12" y2="12" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 24}" y="16" class="tick">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
