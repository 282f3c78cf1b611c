import type { SectionQualityTable } from './section-quality.js';

/** The columns of `sectionQualityCsv`, in order. */
export const SECTION_QUALITY_COLUMNS = [
  'section',
  'previous',
  'box_x',
  'box_y',
  'box_width',
  'box_height',
  'ncc',
  'nsad',
  'nmi',
  'snr',
  'image_snr',
  'frc_cutoff',
  'frc_cutoff_reached',
] as const;

/**
 * The per-section registration table (`sectionQuality`) as CSV: one row per section against the
 * one before, the evaluation box in pixels, the metrics with 6 significant digits; an infinite SNR
 * (no visible noise) is `inf`, a missing value empty. Then `# mean`, `# median`, `# std` rows.
 */
export function sectionQualityCsv(table: SectionQualityTable): string {
  const rows: string[] = [SECTION_QUALITY_COLUMNS.join(',')];
  for (const s of table.sections) {
    rows.push(
      [
        s.section,
        s.section - 1,
        s.box.x,
        s.box.y,
        s.box.width,
        s.box.height,
        num(s.ncc),
        num(s.nsad),
        num(s.nmi),
        num(s.snr),
        num(s.imageSnr),
        num(s.frcCutoff),
        s.frcCutoff === null ? '' : String(s.frcCutoffReached),
      ].join(','),
    );
  }
  const { summary } = table;
  for (const stat of ['mean', 'median', 'std'] as const) {
    rows.push(
      [
        `# ${stat}`,
        '',
        '',
        '',
        '',
        '',
        num(summary.ncc[stat]),
        num(summary.nsad[stat]),
        num(summary.nmi[stat]),
        num(summary.snr[stat]),
        num(summary.imageSnr[stat]),
        num(summary.frcCutoff[stat]),
        '',
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/**
 * The same table as a JSON document (`{ sections, summary }`, the field names of
 * `SectionQualityTable`), infinite and undefined values as null.
 */
export function sectionQualityJson(table: SectionQualityTable): string {
  return `${JSON.stringify(table, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

function num(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(Number(v.toPrecision(6)));
}
