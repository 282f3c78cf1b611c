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

export interface NccBar {
  readonly label: string;
  readonly before: number | null;
  readonly after: number | null;
}

/** NCC with the reference before and after registration: a pair of bars per frame. Inline SVG. */
export function nccChart(bars: readonly NccBar[], frame: ChartFrame = DEFAULT_FRAME): string {
  const values = bars.flatMap((b) => [b.before, b.after]).filter((v): v is number => v !== null);
  const min = Math.min(0, ...values);
  const ticks = niceTicks(min, 1);
  const y = linearScale(Math.min(min, ...ticks), 1, frame.height - frame.bottom, frame.top);
  const width = frame.width - frame.left - frame.right;
  const slot = width / Math.max(1, bars.length);
  const bar = Math.max(1, Math.min(24, slot * 0.38));
  const parts = [svgOpen(frame, 'NCC with the reference, before and after registration', 'plot-ncc')];
  parts.push(axes(frame, y, ticks, 'frame', 'NCC'));
  const step = Math.max(1, Math.ceil(bars.length / 12));
  bars.forEach((b, i) => {
    const cx = frame.left + slot * (i + 0.5);
    (['before', 'after'] as const).forEach((which, k) => {
      const v = b[which];
      if (v === null) return;
      const top = y(Math.max(0, v));
      const bottom = y(Math.min(0, v));
      const x0 = cx - bar + k * bar;
      parts.push(
        `<rect x="${f(x0)}" y="${f(top)}" width="${f(bar)}" height="${f(Math.max(0.5, bottom - top))}" fill="${SERIES_COLOURS[k === 0 ? 1 : 0]!}">` +
          `<title>${escapeHtml(`${b.label}: NCC ${which} ${v.toFixed(4)}`)}</title></rect>`,
      );
    });
    if (i % step === 0) {
      parts.push(
        `<text x="${f(cx)}" y="${frame.height - frame.bottom + 14}" text-anchor="middle" class="tick">${escapeHtml(b.label)}</text>`,
      );
    }
  });
  // Legend in the title row, right-aligned, so it never covers the bars.
  (['before', 'after'] as const).forEach((name, k) => {
    const lx = frame.width - frame.right - (2 - k) * 72;
    parts.push(`<rect x="${lx}" y="6" width="12" height="12" fill="${SERIES_COLOURS[k === 0 ? 1 : 0]!}"/>`);
    parts.push(`<text x="${lx + 18}" y="16" class="tick">${name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
