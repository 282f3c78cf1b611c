import { MetdbError } from '../errors/metdb-error.js';

/** How the frames of a series are paired for registration. */
export type SeriesMode = 'reference' | 'consecutive' | 'rcc';

export const SERIES_MODES: readonly SeriesMode[] = ['reference', 'consecutive', 'rcc'];

/**
 * The pairs (i, j), i < j or i = the reference, registered to solve a series' drift:
 * - `reference`: each frame against the reference frame (no accumulation, but content that drifts
 *   away from the reference correlates less and less);
 * - `consecutive`: each frame against the one before it, accumulated (suits long drifts and changing
 *   content, as FIB-SEM; the errors add up as a random walk);
 * - `rcc`: every pair at most `window` frames apart (redundant: least squares averages the errors
 *   and outlier pairs can be dropped; Wang et al. 2014).
 *
 * @throws MetdbError 'invalid-argument' for a bad mode, window or reference frame
 */
export function seriesPairs(
  frames: number,
  mode: SeriesMode,
  options: { window?: number; reference?: number } = {},
): [number, number][] {
  const reference = options.reference ?? 0;
  const window = options.window ?? 10;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new MetdbError('invalid-argument', `a series needs at least one frame, got ${frames}`);
  }
  if (!Number.isInteger(reference) || reference < 0 || reference >= frames) {
    throw new MetdbError('invalid-argument', `reference frame ${reference} is outside 0..${frames - 1}`, {
      details: { option: 'referenceFrame', value: reference },
    });
  }
  const pairs: [number, number][] = [];
  switch (mode) {
    case 'reference':
      for (let k = 0; k < frames; k++) if (k !== reference) pairs.push([reference, k]);
      return pairs;
    case 'consecutive':
      for (let k = 1; k < frames; k++) pairs.push([k - 1, k]);
      return pairs;
    case 'rcc':
      if (!Number.isInteger(window) || window < 1) {
        throw new MetdbError('invalid-argument', `rccWindow must be an integer >= 1, got ${window}`, {
          details: { option: 'rccWindow', value: window },
        });
      }
      for (let i = 0; i < frames; i++) {
        for (let j = i + 1; j <= Math.min(frames - 1, i + window); j++) pairs.push([i, j]);
      }
      return pairs;
    default:
      throw new MetdbError(
        'invalid-argument',
        `series mode must be one of ${SERIES_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
        { details: { option: 'series', value: mode } },
      );
  }
}
