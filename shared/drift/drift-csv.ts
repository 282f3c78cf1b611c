import { MetdbError } from '../errors/metdb-error.js';

/** A drift trajectory: per frame, where the content is minus where it is at the reference frame. */
export interface DriftTable {
  /** Frame numbers (0-based indices for an image series, the table's numbers for localisations). */
  readonly frames: readonly number[];
  /** Per frame, the drift per axis. */
  readonly drift: readonly (readonly number[])[];
}

/**
 * An image series' `drift.csv`: `frame,drift_y_px,drift_x_px` (`frame,drift_z_px,drift_y_px,
 * drift_x_px` in 3D, the axis order (z,) y, x of every shift in Met-db), then the same in
 * micrometres (`drift_y_um`, ...) when the pixel size is known. Pixels to 4 decimals, micrometres
 * to 6.
 *
 * @param table drift in pixels, axis order (z,) y, x
 * @param pixelSizeUm pixel size per axis, micrometres, axis order (z,) y, x
 */
export function seriesDriftCsv(table: DriftTable, pixelSizeUm?: readonly number[]): string {
  const ndim = checkTable(table);
  const axes = ndim === 3 ? ['z', 'y', 'x'] : ['y', 'x'];
  if (ndim !== axes.length) throw new MetdbError('invalid-argument', `drift.csv: 2 or 3 axes, got ${ndim}`);
  if (pixelSizeUm !== undefined && pixelSizeUm.length !== ndim) {
    throw new MetdbError(
      'invalid-argument',
      `drift.csv: one pixel size per axis (${ndim}), got ${pixelSizeUm.length}`,
    );
  }
  const header = [
    'frame',
    ...axes.map((a) => `drift_${a}_px`),
    ...(pixelSizeUm ? axes.map((a) => `drift_${a}_um`) : []),
  ];
  const rows = table.frames.map((f, k) => {
    const d = table.drift[k]!;
    const um = pixelSizeUm ? d.map((v, a) => fixed(v * pixelSizeUm[a]!, 6)) : [];
    return [String(f), ...d.map((v) => fixed(v, 4)), ...um].join(',');
  });
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

/**
 * A localisation table's `drift.csv`: `frame,drift_x_nm,drift_y_nm` (and `drift_z_nm` in 3D),
 * nanometres to 3 decimals, axis order x, y (, z) as localisation tables have it.
 *
 * @param table drift in nm, axis order x, y (, z)
 */
export function localisationDriftCsv(table: DriftTable): string {
  const ndim = checkTable(table);
  const axes = ['x', 'y', 'z'].slice(0, ndim);
  const rows = table.frames.map((f, k) => [String(f), ...table.drift[k]!.map((v) => fixed(v, 3))].join(','));
  return `${[['frame', ...axes.map((a) => `drift_${a}_nm`)].join(','), ...rows].join('\n')}\n`;
}

function checkTable(table: DriftTable): number {
  const ndim = table.drift[0]?.length ?? 0;
  if (table.frames.length !== table.drift.length || table.drift.some((d) => d.length !== ndim)) {
    throw new MetdbError('invalid-argument', 'drift.csv: one drift per frame, all with the same axes');
  }
  if (ndim < 2 || ndim > 3) throw new MetdbError('invalid-argument', `drift.csv: 2 or 3 axes, got ${ndim}`);
  return ndim;
}

/** Fixed decimals without a negative zero. */
function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}
