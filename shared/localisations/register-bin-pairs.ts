import { phaseCrossCorrelation } from '../registration/phase-cross-correlation.js';
import { CorrelationWorkspace } from '../registration/correlation-workspace.js';
import { prepareReference, type PreparedReference } from '../registration/prepared-reference.js';
import { renderGrid, renderLocalisations, type Coordinates } from './render-localisations.js';

/** Empty margin around the rendered localisations, pixels. */
const PADDING = 8;

export interface RegisterBinPairsOptions {
  /** Render pixel size per axis, nm. */
  pixelSize: readonly number[];
  /** Gaussian blur of the renders, pixels. */
  blur: number;
  upsampleFactor: number;
}

/**
 * For each pair (i, j) of time bins, the displacement of the structure from bin i to bin j, nm,
 * in the axis order of `coordinates`: both bins rendered on one grid and registered by plain
 * cross-correlation refined by the upsampled DFT. Each bin is rendered and transformed once
 * (`prepareReference`) and dropped after the last pair that needs it, so memory holds about a
 * window's worth of spectra.
 *
 * @param ranges per bin, the rows [from, to) of its localisations
 * @param pairs bin index pairs, in the order they are registered
 */
export function registerBinPairs(
  coordinates: Coordinates,
  ranges: readonly (readonly [number, number])[],
  pairs: readonly (readonly [number, number])[],
  options: RegisterBinPairsOptions,
): number[][] {
  const { pixelSize, blur, upsampleFactor } = options;
  const grid = renderGrid(coordinates, pixelSize, PADDING);
  const lastUse = new Map<number, number>();
  pairs.forEach(([i, j], k) => (lastUse.set(i, k), lastUse.set(j, k)));
  const prepared = new Map<number, PreparedReference>();
  const workspace = new CorrelationWorkspace(); // the pairs' surfaces, one after the other
  const spectrum = (b: number): PreparedReference => {
    let p = prepared.get(b);
    if (p === undefined) {
      const [from, to] = ranges[b]!;
      p = prepareReference(renderLocalisations(grid, coordinates, from, to, blur));
      prepared.set(b, p);
    }
    return p;
  };
  return pairs.map(([i, j], k) => {
    const { shift } = phaseCrossCorrelation(
      spectrum(i),
      spectrum(j),
      { upsampleFactor, normalization: 'none' },
      workspace,
    );
    for (const b of [i, j]) if (lastUse.get(b) === k) prepared.delete(b);
    // The registering shift moves bin j back onto bin i: the structure moved by its negative.
    return shift.map((s, a) => (s === 0 ? 0 : -s * pixelSize[a]!));
  });
}
