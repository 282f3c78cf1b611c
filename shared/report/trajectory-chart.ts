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

export interface TrajectorySeries {
  /** Axis name ('z', 'y', 'x'). */
  readonly name: string;
  /** One value per frame (pixels), null where the frame was not registered. */
  readonly values: readonly (number | null)[];
}

/**
 * The shift trajectory over the series: shift (pixels) against frame number, one line per axis,
 * gaps where a frame has no result. Inline SVG.
 */
export function trajectoryChart(
  frameLabels: readonly string[],
  series: readonly TrajectorySeries[],
  frame: ChartFrame = DEFAULT_FRAME,
): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const min = Math.min(0, ...all);
  const max = Math.max(0, ...all);
  const ticks = niceTicks(min, max);
  const y = linearScale(
    Math.min(min, ...ticks),
    Math.max(max, ...ticks),
    frame.height - frame.bottom,
    frame.top,
  );
  const n = frameLabels.length;
  const x = linearScale(0, Math.max(1, n - 1), frame.left + 12, frame.width - frame.right - 12);
  const parts = [svgOpen(frame, 'Shift trajectory (registering shift per frame)', 'plot-trajectory')];
  parts.push(axes(frame, y, ticks, 'frame', 'shift (px)'));
  const step = Math.max(1, Math.ceil(n / 12));
  frameLabels.forEach((label, i) => {
    if (i % step !== 0) return;
    parts.push(
      `<text x="${f(x(i))}" y="${frame.height - frame.bottom + 14}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`,
    );
  });
  series.forEach((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f(x(i))},${f(y(v))}`;
      pen = true;
    });
    if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3.5" fill="${colour}"><title>${escapeHtml(`${frameLabels[i] ?? i}: ${s.name} = ${v.toFixed(3)} px`)}</title></circle>`,
      );
    });
    // Legend in the title row, right-aligned, so it never covers the data.
    const lx = frame.width - frame.right - (series.length - k) * 56;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="12" y2="12" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 24}" y="16" class="tick">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
