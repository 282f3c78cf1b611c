import { escapeHtml } from '../../shared/report/escape-html.js';
import type { DatasetStatus, ImageStatus, JobStatus } from './status-records.js';

/** The verdict as a flag readable without colour. */
const FLAGS: Readonly<Record<string, string>> = {
  good: '\u2714 good',
  low: '\u26A0 low',
  failed: '\u2716 failed',
};

/** The front page: every dataset with its counts and links. */
export function datasetsPage(datasets: readonly DatasetStatus[], source: string): string {
  const rows = datasets.map(
    (d) =>
      `<tr><td data-label="dataset"><a href="${escapeHtml(d.links.page)}">${escapeHtml(d.name)}</a></td>` +
      cell('images', String(d.images.total)) +
      cell('registered', String(d.images.registered)) +
      cell('low', String(d.images.low)) +
      cell('failed', String(d.images.failed)) +
      cell('pending', String(d.images.pending)) +
      cell(
        'jobs',
        `${d.jobs.done} done of ${d.jobs.total}${d.jobs.running + d.jobs.aggregating > 0 ? `, ${d.jobs.running + d.jobs.aggregating} running` : ''}`,
      ) +
      `<td data-label="report"><a href="${escapeHtml(d.links.report)}">report</a></td></tr>`,
  );
  const body =
    datasets.length === 0
      ? '<p>No dataset yet.</p>'
      : table(
          ['dataset', 'images', 'registered', 'low', 'failed', 'pending', 'jobs', 'report'],
          rows,
          'datasets',
        );
  return page(
    'Met-db',
    `<h1>Met-db datasets</h1><p class="muted">${escapeHtml(source)} · read-only · <a href="/api/datasets">JSON</a></p>${body}`,
  );
}

/** One dataset: its images (status, verdict, shift, thumbnail) and its jobs with their progress. */
export function datasetPage(
  d: DatasetStatus,
  images: readonly ImageStatus[],
  jobs: readonly JobStatus[],
  options: { thumbnails: boolean },
): string {
  const imageRows = images.map((i) => {
    const quality = i.quality === null ? '' : (FLAGS[i.quality] ?? i.quality);
    const thumb = options.thumbnails
      ? `<a href="${escapeHtml(i.thumbnail)}?view=overlay" title="overlay on the reference"><img src="${escapeHtml(i.thumbnail)}" alt="${escapeHtml(i.file)}" loading="lazy" width="96"></a>`
      : '';
    return (
      `<tr class="quality-${escapeHtml(i.quality ?? 'none')}">` +
      `<td data-label="thumbnail">${thumb}</td>` +
      cell('file', i.file) +
      cell('status', i.role) +
      `<td data-label="quality" class="quality">${escapeHtml(quality)}</td>` +
      cell('shift (px)', vector(i.axes, i.shift)) +
      cell('shift (µm)', vector(i.axes, i.shiftUm)) +
      cell('NCC after', i.nccAfter === null ? '' : i.nccAfter.toFixed(4)) +
      cell('note', i.failureReason ?? i.qualityReasons.join('; ')) +
      '</tr>'
    );
  });
  const jobRows = jobs.map(
    (j) =>
      `<tr class="state-${escapeHtml(j.state)}">` +
      cell('image', j.file ?? j.movingImageId) +
      cell('version', String(j.version)) +
      cell('state', j.state) +
      `<td data-label="progress"><progress max="${j.tilesTotal || 1}" value="${j.state === 'done' ? j.tilesTotal || 1 : j.tilesDone}"></progress> ${j.tilesDone}/${j.tilesTotal}</td>` +
      cell('note', j.failureReason ?? j.lastError ?? '') +
      '</tr>',
  );
  const active = d.jobs.pending + d.jobs.running + d.jobs.aggregating > 0;
  const c = d.images;
  return page(
    `Met-db: ${d.name}`,
    `<p><a href="/">all datasets</a></p><h1>${escapeHtml(d.name)}</h1>` +
      `<p class="counts">${c.total} images, ${c.reference} reference, ${c.registered} registered${c.low > 0 ? ` (${c.low} of low quality)` : ''}, ${c.failed} failed, ${c.pending} pending · ` +
      `<a href="${escapeHtml(d.links.report)}">QC report</a> · <a href="${escapeHtml(d.links.images)}">images JSON</a> · <a href="${escapeHtml(d.links.jobs)}">jobs JSON</a></p>` +
      `<h2>Images</h2>${images.length === 0 ? '<p>No image yet.</p>' : table(['', 'file', 'status', 'quality', 'shift (px)', 'shift (µm)', 'NCC after', 'note'], imageRows, 'images')}` +
      `<h2>Jobs</h2>${jobs.length === 0 ? '<p>No job yet.</p>' : table(['image', 'version', 'state', 'progress', 'note'], jobRows, 'jobs')}`,
    // While jobs run the page reloads itself: progress without a script.
    active ? 10 : undefined,
  );
}

/** A one-line error page. */
export function errorPage(status: number, message: string): string {
  return page(
    `Met-db: ${status}`,
    `<h1>${status}</h1><p>${escapeHtml(message)}</p><p><a href="/">all datasets</a></p>`,
  );
}

function vector(axes: readonly string[], values: readonly (number | null)[] | null): string {
  if (values === null) return '';
  return values
    .map((v, a) => `${axes[a] ?? a}=${v === null ? '?' : String(Number(v.toPrecision(4)))}`)
    .join(' ');
}

function cell(label: string, text: string): string {
  return `<td data-label="${escapeHtml(label)}">${escapeHtml(text)}</td>`;
}

function table(head: readonly string[], rows: readonly string[], id: string): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function page(title: string, body: string, refreshSeconds?: number): string {
  const refresh =
    refreshSeconds === undefined ? '' : `<meta http-equiv="refresh" content="${refreshSeconds}">`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

/** Tables on a wide screen; on a phone each row becomes a card of labelled lines (no sideways scroll). */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px auto;max-width:1100px;color:#222;padding:0 12px}
h1{font-size:1.4em;overflow-wrap:anywhere}h2{font-size:1.1em;border-bottom:1px solid #ddd;margin-top:1.4em}
.muted{color:#666;font-size:.9em}a{color:#0b5cad}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{padding:4px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:middle}
td{overflow-wrap:anywhere}img{display:block;max-width:96px;height:auto;background:#000}
tr.quality-good .quality{color:#1b7a2e;font-weight:600}tr.quality-low .quality{color:#b36b00;font-weight:600}
tr.quality-failed .quality,tr.state-failed td{color:#b00020;font-weight:600}
progress{width:7em;vertical-align:middle}
@media (max-width:640px){
  table,thead,tbody,tr,td{display:block;width:auto}thead{display:none}
  tr{border:1px solid #ddd;border-radius:6px;margin:0 0 10px;padding:6px 8px}
  td{border:0;padding:2px 0}td:empty{display:none}td::before{content:attr(data-label);display:inline-block;min-width:6.5em;color:#666;font-size:.85em}
}
`;
