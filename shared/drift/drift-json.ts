import type { SeriesDriftOptions, SeriesDriftResult } from '../aggregation/series-drift.js';
import type { LocalisationDrift } from '../localisations/localisation-drift.js';

/** What `drift.json` records about how a series' drift was solved. */
export interface SeriesDriftJsonSettings extends Pick<
  SeriesDriftOptions,
  'mode' | 'rccWindow' | 'binFrames' | 'interpolation' | 'referenceFrame'
> {
  /** Pixel size per axis, micrometres, axis order (z,) y, x; adds `drift_um` per frame. */
  pixelSizeUm?: readonly number[];
  /** The frames' file names (one per frame, or one for a whole stack). */
  files?: readonly string[];
}

/**
 * An image series' `drift.json`: the settings, the solve's figures (RMS residual, pairs dropped)
 * and per frame its 0-based index, drift (pixels and, with a pixel size, micrometres, axis order
 * (z,) y, x), the shift that registers it onto the reference (minus the drift) and the error
 * estimate (null where no pair was redundant).
 */
export function seriesDriftJson(
  result: Omit<SeriesDriftResult, 'verdict'>,
  settings: SeriesDriftJsonSettings = {},
): string {
  const ndim = result.drift[0]?.length ?? 2;
  const { pixelSizeUm, files, ...solve } = settings;
  const round = (v: number, digits: number): number | null =>
    Number.isFinite(v) ? Number(v.toFixed(digits)) + 0 : null;
  const document = {
    kind: 'series',
    axes: ndim === 3 ? ['z', 'y', 'x'] : ['y', 'x'],
    pixelSizeUm: pixelSizeUm === undefined ? null : [...pixelSizeUm],
    ...solve,
    rmsResidualPx: round(result.solve.rms, 4),
    pairs: result.pairs.length,
    rejectedPairs: result.solve.rejected.map((k) => [result.pairs[k]!.i, result.pairs[k]!.j]),
    ...(files === undefined ? {} : { files: [...files] }),
    frames: result.drift.map((d, frame) => ({
      frame,
      drift_px: d.map((v) => round(v, 4)),
      ...(pixelSizeUm === undefined ? {} : { drift_um: d.map((v, a) => round(v * pixelSizeUm[a]!, 6)) }),
      shift_px: result.shifts[frame]!.map((v) => round(v, 4)),
      error_px: result.errors[frame]!.map((v) => round(v, 4)),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * A localisation table's `drift.json`: the settings used (defaults resolved from the data), the
 * time bins, every registered pair of bins with its residual and whether it was dropped, and per
 * frame the drift and its error, nanometres, axis order x, y (, z).
 */
export function localisationDriftJson(
  result: LocalisationDrift,
  settings: { interpolation?: string; source?: string } = {},
): string {
  const ndim = result.drift[0]?.length ?? 2;
  const round = (v: number): number | null => (Number.isFinite(v) ? Number(v.toFixed(3)) + 0 : null);
  const document = {
    kind: 'localisations',
    ...(settings.source === undefined ? {} : { source: settings.source }),
    axes: ['x', 'y', 'z'].slice(0, ndim),
    unit: 'nm',
    binFrames: result.binFrames,
    pixelSize: result.pixelSize,
    window: result.window,
    interpolation: settings.interpolation ?? 'cubic',
    rmsResidualNm: round(result.rms),
    bins: result.bins,
    pairs: result.pairs.map((p) => ({
      ...p,
      shift: p.shift.map(round),
      residual: round(p.residual),
      weight: round(p.weight),
    })),
    frames: result.frames.map((frame, k) => ({
      frame,
      drift_nm: result.drift[k]!.map(round),
      error_nm: result.errors[k]!.map(round),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
