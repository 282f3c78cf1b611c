import { escapeHtml } from './escape-html.js';

export interface ReportPageInput {
  /** What the page reports on, after "Met-db" in the title: 'QC report', 'stitching report'... */
  readonly kind: string;
  /** The dataset's or stack's name, after the kind. */
  readonly name: string;
  readonly finishedAt: Date;
  /** A sentence after the finishing time: the units and conventions of the page. */
  readonly conventions: string;
  /** The facts table under the title, in order: the report's own, then the caller's free-form ones. */
  readonly facts: Readonly<Record<string, string>>;
  /** The page's CSS (`BASE_STYLE` plus the report's own rules). */
  readonly style: string;
  /** The sections after the facts table (HTML). */
  readonly body: string;
}

/**
 * A report's self-contained HTML page (inline CSS, no script, no external resource): title, the
 * finishing time and conventions, a facts table, then the report's own sections.
 */
export function reportPage(input: ReportPageInput): string {
  const { kind, name, finishedAt, conventions, facts, style, body } = input;
  const title = `Met-db ${kind}: ${escapeHtml(name)}`;
  const factRows = Object.entries(facts)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${style}</style></head>
<body>
<h1>${title}</h1>
<p class="muted">Finished ${escapeHtml(finishedAt.toISOString())}. ${conventions}</p>
<table class="facts">${factRows}</table>
${body}
</body></html>
`;
}

/** The rules every report shares: page, headings, muted notes, tables. */
export const BASE_STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.muted{color:#666;font-size:.9em}figure{margin:0}
table{border-collapse:collapse;font-size:.85em}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}`;
