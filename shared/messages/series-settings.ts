import { z } from 'zod';

/**
 * How a dataset's time series are read and solved (`metdb.json`, reprocess `params`); see
 * docs/messages.md. Every field optional; the defaults are `SERIES_DEFAULTS`.
 */
export const SeriesSettingsSchema = z.strictObject({
  /**
   * How the frames are paired: each against the reference frame (`reference`), each against the
   * one before (`consecutive`, accumulated), or every pair within `rccWindow` frames solved by
   * weighted least squares (`rcc`, Wang et al. 2014).
   */
  series: z.enum(['reference', 'consecutive', 'rcc']).optional(),
  /** `rcc`: pairs at most this many (binned) frames apart. */
  rccWindow: z.int().min(1).max(1000).optional(),
  /** Frames summed into one before registering (low signal, as PYME). */
  binFrames: z.int().min(1).max(10_000).optional(),
  /** How the binned trajectory is carried onto every frame. */
  interpolation: z.enum(['linear', 'cubic']).optional(),
  /**
   * What the pages of a multi-page file without axis metadata are: the frames of a time series
   * (`t`) or the planes of a volume (`z`). Overrides the file's metadata too.
   */
  stackAxis: z.enum(['t', 'z']).optional(),
});
export type SeriesSettings = z.output<typeof SeriesSettingsSchema>;

/** A series job's settings, resolved. */
export interface SeriesParams {
  mode: 'reference' | 'consecutive' | 'rcc';
  rccWindow: number;
  binFrames: number;
  interpolation: 'linear' | 'cubic';
}

/** The defaults: `rcc` over 10 frames, no binning, cubic interpolation (measured: docs/accuracy.md, *Series drift*). */
export const SERIES_DEFAULTS: SeriesParams = {
  mode: 'rcc',
  rccWindow: 10,
  binFrames: 1,
  interpolation: 'cubic',
};

/** Defaults, then each patch in turn (later wins, field by field). */
export function resolveSeriesParams(...patches: (SeriesSettings | undefined)[]): SeriesParams {
  const params = { ...SERIES_DEFAULTS };
  for (const p of patches) {
    if (p === undefined) continue;
    if (p.series !== undefined) params.mode = p.series;
    if (p.rccWindow !== undefined) params.rccWindow = p.rccWindow;
    if (p.binFrames !== undefined) params.binFrames = p.binFrames;
    if (p.interpolation !== undefined) params.interpolation = p.interpolation;
  }
  return params;
}
