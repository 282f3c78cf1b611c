import type { StitchResult } from '../stitching/stitch-result.js';
import { alignmentMap } from './alignment-map.js';
import { escapeHtml } from './escape-html.js';
import { BASE_STYLE, reportPage } from './report-page.js';

export interface StitchReportInput {
  /** The tiles' folder name. */
  readonly dataset: string;
  readonly result: StitchResult;
  readonly finishedAt: Date;
  /** Free-form facts shown under the title (layout, duration, output files...). */
  readonly facts?: Readonly<Record<string, string>>;
}

/**
 * The stitching QC report: one self-contained HTML page (inline CSS and SVG, no script) with the
 * alignment map, the evidence behind the edges (NCC threshold from the null distribution, stage
 * model), the tiles kept at their stage positions, and a table of every edge.
 */
export function renderStitchReport(input: StitchReportInput): string {
  const { dataset, result, finishedAt, facts = {} } = input;
  const { tiles, edges, threshold, stage } = result;
  const accepted = edges.filter((e) => e.status === 'accepted').length;
  const stageTiles = tiles.filter((t) => t.status === 'stage');
  const num = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '');
  const stageRows = stage
    .map(
      (c) =>
        `<tr><td>(${num(c.nominalDx, 1)}, ${num(c.nominalDy, 1)})</td><td>${c.edges}</td><td>(${num(c.backlashX, 2)}, ${num(c.backlashY, 2)})</td><td>${Number.isFinite(c.repeatabilityX) ? `(${c.repeatabilityX}, ${c.repeatabilityY})` : 'too few edges'}</td></tr>`,
    )
    .join('');
  const edgeRows = edges
    .map(
      (e) =>
        `<tr class="${e.status}"><td>${escapeHtml(tiles[e.i]!.name)}</td><td>${escapeHtml(tiles[e.j]!.name)}</td><td>${num(e.nominalDx, 1)}</td><td>${num(e.nominalDy, 1)}</td><td>${num(e.dx, 2)}</td><td>${num(e.dy, 2)}</td><td>${num(e.ncc)}</td><td>${num(e.runnerUp)}</td><td>${e.method}</td><td>${e.status}</td><td>${num(e.residual, 2)}</td></tr>`,
    )
    .join('');
  return reportPage({
    kind: 'stitching report',
    name: dataset,
    finishedAt,
    conventions: "Positions are tile top-left corners, pixels, x right and y down, in the layout's frame.",
    facts: {
      tiles: String(tiles.length),
      'tile size': `${result.width} x ${result.height} px`,
      edges: `${edges.length} (${accepted} accepted)`,
      'NCC threshold': `${num(threshold.threshold)} (${Math.round((1 - threshold.alpha) * 100)}th percentile of ${threshold.nulls.length} non-overlapping pairs)`,
      'tiles at stage position': stageTiles.length === 0 ? 'none' : stageTiles.map((t) => t.name).join(', '),
      ...facts,
    },
    style: STYLE,
    body: `<h2>Alignment map</h2>
<p class="muted">Tiles at their registered positions (dashed: kept at the stage position). Lines join registered pairs, coloured by NCC from red (at the threshold) to green (1); grey dashed: rejected. Hover for details.</p>
<figure>${alignmentMap(result)}</figure>
<h2>Stage model</h2>
<p class="muted">Per nominal step: median deviation of the accepted edges from the layout (backlash, overlap error) and the repeatability (half-width of the inlying deviations), pixels (x, y).</p>
<table class="summary"><thead><tr><th>nominal step</th><th>edges</th><th>backlash</th><th>repeatability</th></tr></thead><tbody>${stageRows}</tbody></table>
<h2>Edges</h2>
<table class="summary"><thead><tr><th>tile i</th><th>tile j</th><th>nominal dx</th><th>nominal dy</th><th>dx</th><th>dy</th><th>NCC</th><th>runner-up NCC</th><th>method</th><th>status</th><th>residual px</th></tr></thead><tbody>${edgeRows}</tbody></table>`,
  });
}

const STYLE = `${BASE_STYLE}
.summary td:nth-child(n+3){text-align:right;font-variant-numeric:tabular-nums}
tr.low-ncc td,tr.no-candidate td,tr.residual-outlier td{color:#b00020}
svg .mosaic-tile{fill:#f4f6f8;stroke:#667;stroke-width:1}svg .stage-tile{fill:#fff3f3;stroke:#b00020;stroke-dasharray:4 3}
svg .tile-label{font-size:10px;fill:#556}svg .edge{stroke-width:3;stroke-linecap:round}svg .rejected{stroke-width:2;stroke-dasharray:4 3}
`;
