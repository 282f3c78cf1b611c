import { axisNames, type ImageResult } from './image-result.js';

/**
 * `shifts.csv`: one line per image, columns `image_id,file,role,shift_(z,)y,shift_x,
 * residual_rms_px,residual_max_px,tile_error_median,ncc_before,ncc_after,tiles_used,
 * tiles_rejected,failure_reason,quality,quality_reasons,ncc_chance` (`quality_reasons` joined by
 * `; `; see docs/quality.md). Shifts register the image onto the reference (pixels); empty
 * cells for unknown values. RFC 4180 quoting; `\n` line ends.
 *
 * @param ndim number of shift axes (2 or 3): the widest image of the run
 */
export function shiftTableCsv(results: readonly ImageResult[], ndim = widestShift(results)): string {
  const axes = axisNames(ndim);
  const header = [
    'image_id',
    'file',
    'role',
    ...axes.map((a) => `shift_${a}`),
    'residual_rms_px',
    'residual_max_px',
    'tile_error_median',
    'ncc_before',
    'ncc_after',
    'tiles_used',
    'tiles_rejected',
    'failure_reason',
    'quality',
    'quality_reasons',
    'ncc_chance',
  ];
  const lines = [header.join(',')];
  for (const r of results) {
    const shift = r.shift === null ? axes.map(() => null) : padLeft(r.shift, ndim);
    const cells = [
      r.imageId,
      r.file,
      r.role,
      ...shift.map((s) => num(s, 4)),
      num(r.residualRms, 4),
      num(r.residualMax, 4),
      num(r.tileErrorMedian, 4),
      num(r.nccBefore, 4),
      num(r.nccAfter, 4),
      String(r.tilesUsed),
      String(r.tilesRejected),
      r.failureReason ?? '',
      r.quality ?? '',
      r.qualityReasons.join('; '),
      num(r.nccChance, 4),
    ];
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** `shifts.json`: `{ axes, images: [...] }` with the same fields as the CSV, full precision, tiles left out. */
export function shiftTableJson(results: readonly ImageResult[], ndim = widestShift(results)): string {
  const images = results.map((r) => ({
    imageId: r.imageId,
    file: r.file,
    role: r.role,
    shift: r.shift === null ? null : padLeft(r.shift, ndim),
    residualRms: r.residualRms,
    residualMax: r.residualMax,
    tileErrorMedian: r.tileErrorMedian,
    nccBefore: r.nccBefore,
    nccAfter: r.nccAfter,
    tilesUsed: r.tilesUsed,
    tilesRejected: r.tilesRejected,
    failureReason: r.failureReason,
    quality: r.quality,
    qualityReasons: r.qualityReasons,
    nccChance: r.nccChance,
    jobId: r.jobId,
  }));
  return `${JSON.stringify({ axes: axisNames(ndim), unit: 'px', images }, null, 2)}\n`;
}

function widestShift(results: readonly ImageResult[]): number {
  return Math.max(2, ...results.map((r) => r.shift?.length ?? r.shape?.length ?? 2));
}

/** A 2D shift in a 3D table gets z = 0. */
function padLeft(shift: readonly number[], ndim: number): (number | null)[] {
  return [...new Array<number>(Math.max(0, ndim - shift.length)).fill(0), ...shift];
}

function num(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '' : value.toFixed(digits);
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
