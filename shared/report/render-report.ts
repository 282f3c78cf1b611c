import { axisNames, type ImageResult } from '../outputs/image-result.js';
import type { PixelSize } from '../imaging/pixel-size.js';
import { lengthUm, shiftUm } from '../outputs/physical-units.js';
import { escapeHtml } from './escape-html.js';
import { nccChart } from './ncc-chart.js';
import { BASE_STYLE, reportPage } from './report-page.js';
import type { ImageThumbnails } from './report-thumbnails.js';
import { GALLERY_STYLE, thumbnailSection } from './thumbnail-gallery.js';
import { tileFieldsSection } from './tile-fields-section.js';
import { trajectoryChart } from './trajectory-chart.js';
import type { SeriesResult } from '../outputs/series-result.js';
import { seriesDriftSection } from './series-drift-section.js';
import { sectionQualitySection, type StackQuality } from './section-quality-section.js';

export interface ReportInput {
  /** Dataset name (the folder's name for a local run). */
  readonly dataset: string;
  /** One row per image, in series order (file name order). */
  readonly results: readonly ImageResult[];
  /** When the run finished. */
  readonly finishedAt: Date;
  /** Free-form facts shown under the title (workers, duration, database...). */
  readonly facts?: Readonly<Record<string, string>>;
  /** Time series of the run, drawn in their own section (`seriesDriftSection`). @default [] */
  readonly series?: readonly SeriesResult[];
  /** Registered stacks' per-section tables (`sectionQualitySection`). @default [] */
  readonly stacks?: readonly StackQuality[];
  /** Tile fields drawn (one small plot per registered image, the worst first). @default 12 */
  readonly maxTileFields?: number;
  /** Thumbnails before and after registration, with overlays (`reportThumbnails`). @default [] */
  readonly thumbnails?: readonly ImageThumbnails[];
}

/**
 * The QC report: one self-contained HTML page (inline CSS and SVG, no script, no external
 * font or image): the shift trajectory over the series, NCC before and after per image, the
 * per-tile shift fields (worst images first: lowest NCC after registration), and a summary table
 * with each image's quality verdict as a flag and a colour (green good, amber low, red failed).
 */
export function renderReport(input: ReportInput): string {
  const { dataset, results, finishedAt, facts = {}, maxTileFields = 12, thumbnails = [] } = input;
  const ndim = Math.max(2, ...results.map((r) => r.shift?.length ?? 2));
  const axes = axisNames(ndim);
  const labels = results.map((_, i) => String(i));
  const registered = results.filter((r) => r.role === 'registered');
  const failed = results.filter((r) => r.role === 'failed');
  const trajectory = trajectoryChart(
    labels,
    axes.map((name, a) => ({
      name,
      values: results.map((r) => (r.shift === null ? null : (r.shift[a - (ndim - r.shift.length)] ?? 0))),
    })),
  );
  const ncc = nccChart(
    results.map((r, i) => ({ label: labels[i]!, before: r.nccBefore, after: r.nccAfter })),
  );
  const fields = tileFieldsSection(results, maxTileFields);
  const low = registered.filter((r) => r.quality === 'low');
  return reportPage({
    kind: 'QC report',
    name: dataset,
    finishedAt,
    conventions: `Shifts register each image onto the reference (pixels, axis order ${axes.join(', ')}; micrometres where the file states its pixel size).`,
    facts: {
      images: String(results.length),
      reference: String(results.filter((r) => r.role === 'reference').length),
      registered: String(registered.length),
      'of low quality': String(low.length),
      failed: String(failed.length),
      ...facts,
    },
    style: `${REPORT_STYLE}${GALLERY_STYLE}`,
    body: `<h2>Shift trajectory</h2>
<figure>${trajectory}</figure>
${seriesDriftSection(input.series ?? [])}
${sectionQualitySection(input.stacks ?? [])}
<h2>NCC before and after</h2>
<figure>${ncc}</figure>
<h2>Per-tile shift fields</h2>
<p class="muted">Worst images first (lowest NCC after registration). Arrows: each tile's shift, on one scale in every chart (the black arrow under each); colour: distance from the image's solved shift (green near, red 0.5 px or more). Crosses: skipped tiles.</p>
<div class="fields">${fields.length > 0 ? fields.join('') : '<p>No tile results.</p>'}</div>
${thumbnailSection(results, thumbnails)}
<h2>Summary</h2>
${summaryTable(results, axes)}`,
  });
}

function summaryTable(results: readonly ImageResult[], axes: readonly string[]): string {
  const ndim = axes.length;
  const num = (v: number | null, d = 3) => (v === null || !Number.isFinite(v) ? '' : v.toFixed(d));
  const head = [
    '#',
    'file',
    'role',
    'quality',
    ...axes.map((a) => `shift ${a} (px)`),
    ...axes.map((a) => `shift ${a} (µm)`),
    'pixel size',
    'NCC before',
    'NCC after',
    'NCC chance',
    'residual rms (px)',
    'residual rms (µm)',
    'tiles used',
    'tiles rejected',
    'model',
    'angle (deg)',
    'scale',
    'matrix',
    'note',
  ];
  const rows = results.map((r, i) => {
    const shift =
      r.shift === null
        ? axes.map(() => null)
        : [...new Array<number>(ndim - r.shift.length).fill(0), ...r.shift];
    const um = shiftUm(r.shift, r.pixelSize);
    const umOnAxes =
      um === null ? axes.map(() => null) : [...new Array<number>(ndim - um.length).fill(0), ...um];
    const cells = [
      String(i),
      r.file,
      r.role,
      r.quality ?? '',
      ...shift.map((s) => num(s)),
      ...umOnAxes.map((s) => sig(s)),
      pixelSizeText(r.pixelSize),
      num(r.nccBefore, 4),
      num(r.nccAfter, 4),
      num(r.nccChance, 4),
      num(r.residualRms),
      sig(lengthUm(r.residualRms, r.pixelSize, r.shift?.length ?? ndim)),
      String(r.tilesUsed),
      String(r.tilesRejected),
      r.model ?? '',
      num(r.angle ?? null, 4),
      num(r.scale ?? null, 5),
      r.matrix === undefined || r.matrix === null ? '' : matrixText(r.matrix),
      r.failureReason ?? r.qualityReasons.join('; '),
    ];
    const quality = r.quality === null ? '' : ` quality-${r.quality}`;
    return `<tr class="${r.role}${quality}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A matrix's rows, 4 decimals: "[1, 0, 2.5] [0, 1, -1] [0, 0, 1]". */
function matrixText(m: readonly (readonly number[])[]): string {
  return m.map((row) => `[${row.map((v) => Number(v.toFixed(4))).join(', ')}]`).join(' ');
}

/** Micrometres to 4 significant digits. */
function sig(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '' : String(Number(v.toPrecision(4)));
}

/** `0.0515 µm`, `0.0225 x 0.0225 x 0.125 µm` (x, y, z as microscopists write voxel sizes). */
export function pixelSizeText(size: PixelSize | null): string {
  if (size === null) return '';
  const values = [size.x, size.y, ...(size.z === null ? [] : [size.z])].map((v) =>
    String(Number(v.toPrecision(4))),
  );
  return size.x === size.y && size.z === null
    ? `${values[0]} ${size.unit}`
    : `${values.join(' x ')} ${size.unit}`;
}

export const REPORT_STYLE = `${BASE_STYLE}
.summary td:nth-child(n+5){text-align:right;font-variant-numeric:tabular-nums}
.summary td:nth-child(4){font-weight:600}tr.quality-good td:nth-child(4){color:#1b7a2e}
tr.quality-low td:nth-child(4){color:#b36b00}tr.quality-low td:nth-child(4)::before{content:"\\26A0 "}
tr.quality-failed td:nth-child(4)::before{content:"\\2716 "}
tr.failed td{color:#b00020}tr.reference td{font-weight:600}
.fields{display:flex;flex-wrap:wrap;gap:12px}
svg .chart-title{font-size:13px;font-weight:600;fill:#222}svg .tick{font-size:11px;fill:#555}svg .label{font-size:12px;fill:#333}
svg .grid{stroke:#eee}svg .axis{stroke:#888}svg .canvas{fill:#f7f7f7;stroke:#bbb}
svg .tile{fill:none;stroke:#ccc;stroke-dasharray:2 2}svg .skipped{stroke:#999;stroke-width:1.5}
`;
