import { pixelSizeUm } from '../imaging/pixel-size.js';
import { axisNames, type ImageResult } from './image-result.js';
import { lengthUm, shiftUm } from './physical-units.js';

/**
 * `shifts.csv`: one line per image, columns `image_id,file,role,shift_(z,)y,shift_x,
 * shift_(z_um,)y_um,shift_x_um,residual_rms_px,residual_max_px,residual_rms_um,residual_max_um,
 * tile_error_median,ncc_before,ncc_after,tiles_used,tiles_rejected,pixel_size_(z_um,)y_um,
 * pixel_size_x_um,failure_reason,quality,quality_reasons,ncc_chance,model,angle_deg,scale,matrix`
 * (`quality_reasons` joined by `; `; see docs/quality.md). Shifts register the image onto the reference, in pixels and in
 * micrometres (`_um`: pixels times the file's pixel size; see `shiftUm`, `lengthUm`); empty cells
 * for unknown values (no pixel size in the file...). `matrix` is the transform's homogeneous
 * matrix as JSON (docs/messages.md); `angle_deg` and `scale` those of a rigid or similarity model.
 * RFC 4180 quoting; `\n` line ends.
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
    ...axes.map((a) => `shift_${a}_um`),
    'residual_rms_px',
    'residual_max_px',
    'residual_rms_um',
    'residual_max_um',
    'tile_error_median',
    'ncc_before',
    'ncc_after',
    'tiles_used',
    'tiles_rejected',
    ...axes.map((a) => `pixel_size_${a}_um`),
    'failure_reason',
    'quality',
    'quality_reasons',
    'ncc_chance',
    'model',
    'angle_deg',
    'scale',
    'matrix',
    // Frames of a time series: their 0-based index (the column only when the run has a series).
    ...(withFrames(results) ? ['frame'] : []),
  ];
  const lines = [header.join(',')];
  for (const r of results) {
    const shift = r.shift === null ? axes.map(() => null) : padLeft(r.shift, ndim);
    const um = units(r, ndim);
    const cells = [
      r.imageId,
      r.file,
      r.role,
      ...shift.map((s) => num(s, 4)),
      ...(um.shift ?? axes.map(() => null)).map((s) => sig(s)),
      num(r.residualRms, 4),
      num(r.residualMax, 4),
      sig(um.residualRms),
      sig(um.residualMax),
      num(r.tileErrorMedian, 4),
      num(r.nccBefore, 4),
      num(r.nccAfter, 4),
      String(r.tilesUsed),
      String(r.tilesRejected),
      ...(um.pixelSize ?? axes.map(() => null)).map((s) => sig(s)),
      r.failureReason ?? '',
      r.quality ?? '',
      r.qualityReasons.join('; '),
      num(r.nccChance, 4),
      r.model ?? '',
      num(r.angle ?? null, 6),
      num(r.scale ?? null, 8),
      r.matrix === undefined || r.matrix === null ? '' : JSON.stringify(r.matrix),
      ...(withFrames(results) ? [r.frame === undefined ? '' : String(r.frame)] : []),
    ];
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `shifts.json`: `{ axes, unit: 'px', images: [...] }` with the same fields as the CSV, full
 * precision, tiles left out; per image `pixelSize` (`{ x, y, z, unit }` as the file states it, or
 * null), the micrometre figures `shiftUm`, `residualRmsUm`, `residualMaxUm` (null when unknown),
 * and the transform: `model`, `matrix` (moving -> reference, (x, y) pixels), `angle`, `scale`.
 */
export function shiftTableJson(results: readonly ImageResult[], ndim = widestShift(results)): string {
  const images = results.map((r) => {
    const um = units(r, ndim);
    return {
      imageId: r.imageId,
      ...(r.frame === undefined ? {} : { frame: r.frame }),
      file: r.file,
      role: r.role,
      shift: r.shift === null ? null : padLeft(r.shift, ndim),
      shiftUm: um.shift,
      pixelSize: r.pixelSize,
      residualRms: r.residualRms,
      residualMax: r.residualMax,
      residualRmsUm: um.residualRms,
      residualMaxUm: um.residualMax,
      tileErrorMedian: r.tileErrorMedian,
      nccBefore: r.nccBefore,
      nccAfter: r.nccAfter,
      tilesUsed: r.tilesUsed,
      tilesRejected: r.tilesRejected,
      failureReason: r.failureReason,
      quality: r.quality,
      qualityReasons: r.qualityReasons,
      nccChance: r.nccChance,
      model: r.model ?? null,
      matrix: r.matrix ?? null,
      angle: r.angle ?? null,
      scale: r.scale ?? null,
      jobId: r.jobId,
    };
  });
  return `${JSON.stringify({ axes: axisNames(ndim), unit: 'px', images }, null, 2)}\n`;
}

/** An image's figures in micrometres, on the table's axes (a 2D image in a 3D table: z shift 0). */
function units(r: ImageResult, ndim: number) {
  const own = r.shift?.length ?? r.shape?.length ?? ndim;
  const shift = shiftUm(r.shift, r.pixelSize);
  return {
    shift: shift === null ? null : padLeft(shift, ndim, 0),
    residualRms: lengthUm(r.residualRms, r.pixelSize, own),
    residualMax: lengthUm(r.residualMax, r.pixelSize, own),
    pixelSize: r.pixelSize === null ? null : padLeft(pixelSizeUm(r.pixelSize, own), ndim, null),
  };
}

function withFrames(results: readonly ImageResult[]): boolean {
  return results.some((r) => r.frame !== undefined);
}

function widestShift(results: readonly ImageResult[]): number {
  return Math.max(2, ...results.map((r) => r.shift?.length ?? r.shape?.length ?? 2));
}

/** Values of fewer axes on the table's axes: a 2D shift in a 3D table gets z = `fill`. */
function padLeft<F extends number | null>(
  values: readonly (number | null)[],
  ndim: number,
  fill: F = 0 as F,
): (number | null)[] {
  return [...new Array<number | null>(Math.max(0, ndim - values.length)).fill(fill), ...values];
}

/** Micrometres to 6 significant digits (sizes range from ångströms to millimetres). */
function sig(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : String(Number(value.toPrecision(6)));
}

function num(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '' : value.toFixed(digits);
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
