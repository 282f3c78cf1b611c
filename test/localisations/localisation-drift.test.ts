import { beforeAll, describe, expect, it } from 'vitest';
import { driftRmsError } from '../../bench/localisation-drift.bench.js';
import { simulateLocalisations } from '../../bench/simulate-localisations.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { chooseLocalisationBinning } from '../../shared/localisations/choose-binning.js';
import { localisationDrift } from '../../shared/localisations/localisation-drift.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';

const root = new URL('../../', import.meta.url).pathname;
let structure: NdArray;

beforeAll(async () => {
  // The ER channel of a real Cell Painting image: its brightest fifth holds the emitters.
  structure = (await readImageFile(`${root}test/fixtures/localisations/bbbc022_er_crop.tif`)).array;
});

describe('localisationDrift', () => {
  it('recovers a smooth drift of tens of nm within 5 nm RMS (2D, 4000 frames, 10-15 nm precision)', () => {
    const sim = simulateLocalisations(structure, { frames: 4000, seed: 11 });
    const span = Math.max(...sim.drift.flatMap((d) => d.map(Math.abs)));
    expect(span).toBeGreaterThan(20);
    const result = localisationDrift(sim);
    expect(result.frames).toHaveLength(4000);
    expect(result.frames[0]).toBe(1);
    expect(result.drift[0]).toEqual([0, 0]);
    const error = driftRmsError(result.drift, sim.drift);
    expect(error.total).toBeLessThanOrEqual(5);
    // Without the correction the error is the drift itself.
    expect(
      driftRmsError(
        sim.drift.map((d) => d.map(() => 0)),
        sim.drift,
      ).total,
    ).toBeGreaterThan(10);
    // Defaults from the density, an error estimate per frame, and pairs that agree.
    expect(result.bins.length).toBeGreaterThanOrEqual(8);
    expect(result.errors[2000]!.every((e) => e > 0 && e < 5)).toBe(true);
    expect(result.rms).toBeLessThan(5);
  });

  it('recovers z too in 3D within 5 nm RMS', () => {
    const sim = simulateLocalisations(structure, { frames: 2000, seed: 12, threeD: true, perFrame: 40 });
    const result = localisationDrift(sim, { window: 4 });
    expect(result.drift[0]).toEqual([0, 0, 0]);
    const error = driftRmsError(result.drift, sim.drift);
    expect(error.total).toBeLessThanOrEqual(5);
    expect(error.perAxis[2]).toBeLessThanOrEqual(5);
  });

  it('linear or cubic, any bin size and window: the same drift within a few nm', () => {
    const sim = simulateLocalisations(structure, { frames: 2000, seed: 13 });
    const a = localisationDrift(sim, { binFrames: 200, window: 3, interpolation: 'linear', pixelSize: 25 });
    expect(a.binFrames).toBe(200);
    expect(a.bins).toHaveLength(10);
    expect(a.pairs.filter((p) => p.j - p.i > 3)).toEqual([]);
    expect(driftRmsError(a.drift, sim.drift).total).toBeLessThanOrEqual(5);
  });

  it('chooses finer pixels and more bins for denser data, and refuses a single bin', () => {
    const dense = simulateLocalisations(structure, { frames: 1000, perFrame: 60, seed: 14 });
    const sparse = simulateLocalisations(structure, { frames: 1000, perFrame: 5, seed: 14 });
    const d = chooseLocalisationBinning(dense);
    const s = chooseLocalisationBinning(sparse);
    expect(d.pixelSize).toBeLessThan(s.pixelSize);
    expect(d.binFrames).toBeLessThan(s.binFrames);
    try {
      localisationDrift(sparse, { binFrames: 1000 });
      expect.unreachable();
    } catch (error) {
      expect(isMetdbError(error, 'insufficient-data')).toBe(true);
    }
  });
});
