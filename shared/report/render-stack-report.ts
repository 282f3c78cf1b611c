import type { Matrix3 } from '../registration/similarity/transform-matrix.js';
import { metricChart } from './metric-chart.js';
import { REPORT_STYLE } from './render-report.js';
import { reportPage } from './report-page.js';
import { sectionQualitySection, type StackQuality } from './section-quality-section.js';

export interface StackReportInput {
  /** The aligned stack's name. */
  readonly name: string;
  /** Each section's transform onto section 0 (index 0 the identity). */
  readonly transforms: readonly Matrix3[];
  /** Per section after the first: the reason it was bridged by a shift, or null. */
  readonly flagged: readonly (string | null)[];
  readonly quality: StackQuality;
  readonly finishedAt: Date;
  /** Free-form facts shown under the title (input, model, smoothing, frame...). */
  readonly facts?: Readonly<Record<string, string>>;
}

/**
 * The QC report of an aligned stack (`metdb align`): one self-contained HTML page (inline CSS and
 * SVG, no script) with each section's cumulative shift, scale and shear onto section 0, the
 * sections bridged by a shift, and the registration quality between consecutive sections.
 */
export function renderStackReport(input: StackReportInput): string {
  const { name, transforms, flagged, finishedAt, facts = {} } = input;
  const labels = transforms.map((_, k) => String(k));
  const shifts = metricChart({
    title: 'Cumulative shift onto section 0',
    id: 'plot-stack-shift',
    xLabel: 'section',
    yLabel: 'shift (px)',
    labels,
    series: [
      { name: 'x', values: transforms.map((m) => m[0][2]) },
      { name: 'y', values: transforms.map((m) => m[1][2]) },
    ],
  });
  const linear = metricChart({
    title: 'Scale and shear onto section 0',
    id: 'plot-stack-linear',
    xLabel: 'section',
    yLabel: 'minus identity (x 1e-3)',
    labels,
    series: [
      { name: 'Sxx', values: transforms.map((m) => 1000 * (m[0][0] - 1)) },
      { name: 'Syy', values: transforms.map((m) => 1000 * (m[1][1] - 1)) },
      { name: 'Sxy', values: transforms.map((m) => 1000 * m[0][1]) },
      { name: 'Syx', values: transforms.map((m) => 1000 * m[1][0]) },
    ],
  });
  const bridged = flagged.flatMap((f, k) => (f === null ? [] : [`${k + 1} (${f})`]));
  return reportPage({
    kind: 'stack report',
    name,
    finishedAt,
    conventions: "Transforms map each section's pixels (x, y) onto section 0's.",
    facts: {
      sections: String(transforms.length),
      'bridged by a shift': bridged.length === 0 ? 'none' : bridged.join(', '),
      ...facts,
    },
    style: REPORT_STYLE,
    body: `<h2>Cumulative transforms</h2>
<div class="fields"><figure>${shifts}</figure><figure>${linear}</figure></div>
<p class="muted">The linear part of each transform minus the identity, in thousandths: Sxx - 1 and Syy - 1 the scale, Sxy and Syx the shear and rotation.</p>
${sectionQualitySection([input.quality])}`,
  });
}
