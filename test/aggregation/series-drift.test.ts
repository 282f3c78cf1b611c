import { beforeAll, describe, expect, it } from 'vitest';
import { seriesDrift } from '../../shared/aggregation/series-drift.js';
import { seriesPairs } from '../../shared/aggregation/series-pairs.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';
import { seededGaussian } from '../../shared/random/seeded.js';

const root = new URL('../../', import.meta.url).pathname;

/** Smooth drift of the content, pixels (y, x), zero at frame 0. */
const drift = (k: number): number[] => [0.21 * k + 1.1 * Math.sin(k / 6), -0.13 * k + 0.004 * k * k];

let canvas: NdArray;
/**
 * A drift series cut from a real image: the canvas shifted (Fourier) by the drift, one fixed
 * 128 x 192 window cut from its middle (content enters and leaves at every border), plus Gaussian
 * noise of 3 % of the range.
 */
function series(frames: number, seed: number): NdArray[] {
  const noise = seededGaussian(seed);
  const [h, w] = canvas.shape as [number, number];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of canvas.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return Array.from({ length: frames }, (_, k) => {
    const moved = fourierShift(canvas, drift(k));
    const out = new Float32Array(128 * 192);
    const [y0, x0] = [(h - 128) >> 1, (w - 192) >> 1];
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 192; x++)
        out[y * 192 + x] = moved.data[(y + y0) * w + x + x0]! + 0.03 * (hi - lo) * noise();
    }
    return { data: out, shape: [128, 192] };
  });
}

function maxError(shifts: number[][]): number {
  return Math.max(...shifts.map((s, k) => Math.hypot(...s.map((v, a) => v + drift(k)[a]!))));
}

beforeAll(async () => {
  canvas = (await readImageFile(`${root}test/fixtures/localisations/bbbc022_er_crop.tif`)).array;
});

describe('seriesDrift', () => {
  it('rcc: every frame of a real-image drift series with borders and 3 % noise within 0.1 px', () => {
    const frames = series(24, 1);
    const r = seriesDrift(frames, { mode: 'rcc', rccWindow: 10 });
    expect(r.shifts[0]).toEqual([0, 0]);
    expect(maxError(r.shifts)).toBeLessThan(0.1);
    expect(r.pairs).toHaveLength(seriesPairs(24, 'rcc', { window: 10 }).length);
    // An error estimate per frame: 0 at the reference, small and finite elsewhere.
    expect(r.errors[0]).toEqual([0, 0]);
    expect(r.errors.slice(1).every((e) => e.every((v) => v > 0 && v < 0.1))).toBe(true);
    r.drift.forEach((d, k) => d.forEach((v, a) => expect(v).toBeCloseTo(-r.shifts[k]![a]!, 12)));
    // The pipeline's registration and its verdict: every frame good.
    expect(r.verdict.series).toEqual({ quality: 'good', reasons: [] });
    expect(r.verdict.frames.every((f) => f.quality === 'good')).toBe(true);
    // `spectra`: one phase correlation per pair on spectra prepared once, less accurate.
    const fast = seriesDrift(frames, { mode: 'rcc', rccWindow: 10, method: 'spectra' });
    expect(fast.pairs).toHaveLength(r.pairs.length);
    expect(maxError(fast.shifts)).toBeLessThan(0.15);
    expect(maxError(fast.shifts)).toBeGreaterThan(maxError(r.shifts));
  });

  it('reference and consecutive modes (less accurate: no averaging, or a random walk), another reference frame', () => {
    const frames = series(12, 2);
    const reference = seriesDrift(frames, { mode: 'reference', referenceFrame: 4 });
    expect(reference.pairs.every((p) => p.i === 4)).toBe(true);
    expect(reference.shifts[4]).toEqual([0, 0]);
    const relative = reference.shifts.map((s, k) => s.map((v, a) => v - (drift(4)[a]! - drift(k)[a]!)));
    expect(Math.max(...relative.map((s) => Math.hypot(...s)))).toBeLessThan(0.25);
    const consecutive = seriesDrift(frames, { mode: 'consecutive' });
    expect(consecutive.pairs.map((p) => [p.i, p.j])).toEqual(seriesPairs(12, 'consecutive'));
    expect(maxError(consecutive.shifts)).toBeLessThan(0.5);
    expect(consecutive.errors[5]!.every(Number.isNaN)).toBe(true);
  });

  it('binFrames sums frames and interpolates the bins onto every frame', () => {
    const frames = series(24, 3);
    const cubic = seriesDrift(frames, { binFrames: 3, rccWindow: 4 });
    expect(cubic.bins).toHaveLength(8);
    expect(cubic.centres[0]).toBe(1);
    expect(cubic.shifts).toHaveLength(24);
    expect(maxError(cubic.shifts)).toBeLessThan(0.25);
    const linear = seriesDrift(frames, { binFrames: 3, rccWindow: 4, interpolation: 'linear' });
    expect(maxError(linear.shifts)).toBeLessThan(0.4);
  });

  it('rejects bad options with a clear error', () => {
    const frames = series(3, 4);
    for (const options of [
      { mode: 'pairs' as never },
      { rccWindow: 0 },
      { referenceFrame: 3 },
      { binFrames: 1.5 },
      { preprocess: { bin: true } },
    ]) {
      try {
        seriesDrift(frames, options);
        expect.unreachable();
      } catch (error) {
        expect(isMetdbError(error, 'invalid-argument')).toBe(true);
      }
    }
    expect(() => seriesDrift([frames[0]!, { data: new Float32Array(4), shape: [2, 2] }])).toThrow(
      /same shape/,
    );
  });
});
