import type { SectionQualityTable } from '../quality-metrics/section-quality.js';
import { escapeHtml } from './escape-html.js';
import { metricChart } from './metric-chart.js';

/** A registered stack's per-section table, as the report shows it. */
export interface StackQuality {
  /** The stack's file (or output) name. */
  readonly name: string;
  readonly table: SectionQualityTable;
}

/**
 * The report's section on registered stacks: per stack, the metrics between consecutive sections
 * over the evaluation box (`sectionQuality`) plotted against the section (ncc and nmi on one
 * chart, nsad on another), their mean, median and spread, and the sections that stand out (ncc
 * more than 3 standard deviations below the median). Empty without stacks.
 */
export function sectionQualitySection(stacks: readonly StackQuality[]): string {
  if (stacks.length === 0) return '';
  const parts = stacks.map((stack, s) => {
    const { sections, summary } = stack.table;
    const labels = sections.map((q) => String(q.section));
    const box = sections[0]?.box;
    const where =
      box === undefined ? '' : ` over the box ${box.x}, ${box.y}, ${box.width} x ${box.height} px`;
    const similarity = metricChart({
      title: 'NCC and NMI with the section before',
      id: `plot-stack-similarity-${s}`,
      xLabel: 'section',
      yLabel: 'ncc, nmi',
      labels,
      series: [
        { name: 'ncc', values: sections.map((q) => q.ncc) },
        { name: 'nmi', values: sections.map((q) => q.nmi) },
      ],
    });
    const nsad = metricChart({
      title: 'NSAD with the section before',
      id: `plot-stack-nsad-${s}`,
      xLabel: 'section',
      yLabel: 'nsad',
      labels,
      series: [{ name: 'nsad', values: sections.map((q) => q.nsad) }],
    });
    const low = summary.ncc.median - 3 * summary.ncc.std;
    const outliers = sections.filter((q) => q.ncc < low).map((q) => q.section);
    const stat = (k: keyof typeof summary, d = 4) =>
      `<td>${[summary[k].mean, summary[k].median, summary[k].std].map((v) => (Number.isFinite(v) ? v.toFixed(d) : '')).join('</td><td>')}</td>`;
    return `<h3>${escapeHtml(stack.name)}: ${sections.length + 1} sections</h3>
<div class="fields"><figure>${similarity}</figure><figure>${nsad}</figure></div>
<table class="facts"><tr><th></th><th>mean</th><th>median</th><th>std</th></tr>
<tr><th>ncc</th>${stat('ncc')}</tr><tr><th>nsad</th>${stat('nsad')}</tr><tr><th>nmi</th>${stat('nmi')}</tr><tr><th>frc 1/7 cutoff (cycles/px)</th>${stat('frcCutoff', 3)}</tr></table>
<p class="muted">Each section against the one before${escapeHtml(where)}. ${
      outliers.length === 0
        ? 'No section stands out.'
        : `Standing out (ncc more than 3 std below the median): ${outliers.map(String).join(', ')}.`
    }</p>`;
  });
  return `<h2>Registration quality through the stack</h2>
<p class="muted">Between consecutive sections after registration (docs/quality-metrics.md): an even, high ncc and nmi and an even, low nsad mean a well registered stack; a dip marks a misregistered or damaged section.</p>
${parts.join('\n')}`;
}
