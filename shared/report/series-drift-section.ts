import type { SeriesResult } from '../outputs/series-result.js';
import { axisNames } from '../outputs/image-result.js';
import { escapeHtml } from './escape-html.js';
import { trajectoryChart } from './trajectory-chart.js';

/**
 * The report's section on time series: per series, its drift trajectory (pixels against frame,
 * one line per axis: where the content is minus where it is at the reference frame), the mode and
 * the largest drift and error, and the verdict on the trajectory (`judgeSeries`) first, so that an
 * untrustworthy trajectory is not read as drift; a failed series with its reason. Empty without series.
 */
export function seriesDriftSection(series: readonly SeriesResult[]): string {
  if (series.length === 0) return '';
  const parts = series.map((s) => {
    const title = `<h3>${escapeHtml(s.file)}: ${s.frames} frames, mode ${escapeHtml(s.mode)}</h3>`;
    if (s.state !== 'done' || s.drift.length === 0) {
      return `${title}<p>Not solved${s.failureReason === null ? '' : `: ${escapeHtml(s.failureReason)}`}.</p>`;
    }
    const ndim = s.drift[0]!.length;
    const chart = trajectoryChart(
      s.drift.map((_, k) => String(k)),
      axisNames(ndim).map((name, a) => ({ name, values: s.drift.map((d) => d[a] ?? null) })),
    );
    const largest = Math.max(...s.drift.map((d) => Math.hypot(...d)));
    const errors = s.errors.flat().filter((e): e is number => e !== null && Number.isFinite(e));
    const worst = errors.length === 0 ? 'no redundant pair' : `${Math.max(...errors).toFixed(3)} px`;
    const low = s.quality.filter((q) => q === 'low').length;
    return `${title}${verdictLine(s)}<figure id="plot-drift-${escapeHtml(s.seriesId)}">${chart}</figure>
<p class="muted">Drift up to ${largest.toFixed(2)} px; largest standard error ${worst}; ${low} of ${s.frames} frames of low quality.</p>`;
  });
  return `<h2>Series drift</h2>
<p class="muted">Drift of each time series: where the content is at a frame minus where it is at the reference frame (pixels); the corrected stack moves each frame by minus its drift.</p>
${parts.join('\n')}`;
}

const VERDICT_COLOURS = { good: '#1b7a2e', low: '#b36b00', failed: '#b00020' } as const;

function verdictLine(s: SeriesResult): string {
  if (s.verdict === null) return '';
  const { quality, reasons } = s.verdict;
  const why = reasons.length === 0 ? '' : `: ${escapeHtml(reasons.join('; '))}`;
  return `<p class="series-verdict" style="color:${VERDICT_COLOURS[quality]}">Trajectory verdict <strong>${quality}</strong>${why}</p>`;
}
