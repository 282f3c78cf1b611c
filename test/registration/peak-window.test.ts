import { describe, expect, it } from 'vitest';
import { ndarray, sizeOf, type NdArray } from '../../shared/ndarray/ndarray.js';
import { fftn } from '../../shared/registration/fourier-transform.js';
import { lanczosSurvey } from '../../shared/registration/lanczos-survey.js';
import { peakWindow } from '../../shared/registration/peak-window.js';
import { phaseCrossCorrelation } from '../../shared/registration/phase-cross-correlation.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { shiftedPair, stdOf } from '../tiling/pixels.js';
import { correlationAt } from './float64-correlation.js';

/**
 * In 3D, and in 2D for tile-sized images, the upsampled DFT is evaluated only in the window where
 * the integer-grid surface says the peak can be. The full evaluation is still what
 * `space: 'fourier'` does (whole complex spectra, every point of the 1.5-pixel box), so the two
 * paths must give the same shift on the same pair: the same sums over different layouts, the
 * window only skipping points that cannot win.
 */
const goldenReal = loadGoldenCases().filter((c) => c.space === 'real');
const golden3d = goldenReal.filter((c) => c.reference.shape.length === 3);

function fullEvaluation(reference: NdArray, moving: NdArray, opts: object): number[] {
  return phaseCrossCorrelation(fftn(reference), fftn(moving), { ...opts, space: 'fourier' }).shift;
}

/**
 * The windowed shift equals the full evaluation's, or (where two grid points of the peak tie to
 * single precision, as scikit-image's own fixtures record) its correlation, recomputed in double
 * precision, is as high as the full evaluation's.
 */
function expectSameOrTie(
  reference: NdArray,
  moving: NdArray,
  normalization: 'phase' | 'none',
  upsampleFactor: number,
  label: string,
): void {
  const opts = { normalization, upsampleFactor };
  const windowed = phaseCrossCorrelation(reference, moving, opts).shift;
  const full = fullEvaluation(reference, moving, opts);
  if (windowed.every((s, a) => Math.abs(s - full[a]!) < 1e-9)) return;
  const cc = correlationAt(reference, moving, normalization);
  const w = cc(windowed);
  const f = cc(full);
  expect(
    w,
    `${label}: windowed ${windowed.join(',')} |cc| ${w} vs full ${full.join(',')} |cc| ${f}`,
  ).toBeGreaterThanOrEqual(f * (1 - 2e-6));
}

/** A larger real volume: the EM golden pair's reference mirrored to an even, PFFFT-friendly canvas. */
function canvasOf(volume: NdArray, shape: readonly number[]): NdArray<Float64Array> {
  const out = new Float64Array(sizeOf(shape));
  const [d0, d1, d2] = volume.shape as [number, number, number];
  const mirror = (i: number, n: number): number => {
    const p = i % (2 * n);
    return p < n ? p : 2 * n - 1 - p;
  };
  let i = 0;
  for (let z = 0; z < shape[0]!; z++)
    for (let y = 0; y < shape[1]!; y++)
      for (let x = 0; x < shape[2]!; x++)
        out[i++] = volume.data[(mirror(z, d0) * d1 + mirror(y, d1)) * d2 + mirror(x, d2)]!;
  return ndarray(out, [...shape]);
}

describe('the peak window of the upsampled DFT', () => {
  it('gives the shifts of the full evaluation on the 2D and 3D golden pairs', () => {
    expect(golden3d.length).toBeGreaterThanOrEqual(3);
    expect(goldenReal.length).toBeGreaterThanOrEqual(9);
    for (const c of goldenReal) {
      for (const normalization of ['phase', 'none'] as const) {
        for (const upsampleFactor of [10, 100]) {
          expectSameOrTie(
            c.reference,
            c.moving,
            normalization,
            upsampleFactor,
            `${c.id} ${normalization} u${upsampleFactor}`,
          );
        }
      }
    }
  });

  it('gives the shifts of the full evaluation on noisy subpixel pairs, weak peaks included', () => {
    const em = golden3d.find((c) => c.id.startsWith('em13pf'))!.reference;
    const sharp = canvasOf(em, [40, 80, 80]);
    const soft = blurZ(blurZ(sharp, 6), 6);
    let compared = 0;
    let windowed = 0;
    let longInZ = 0;
    let seed = 7;
    // Isotropic, and low-passed along z like a confocal or resampled stack (then noise): the
    // phase-correlation peak is broad in z, and so is its window.
    for (const [canvas, noise] of [
      [sharp, 0.05],
      [sharp, 0.5],
      [sharp, 2],
      [soft, 0.5],
    ] as const) {
      const sd = stdOf(canvas);
      for (const truth of [
        [0.5, -0.5, 0.5],
        [1.27, -2.61, 0.08],
        [-0.43, 3.5, -1.91],
      ]) {
        const { reference, moving } = shiftedPair(canvas, truth, [32, 64, 64], noise * sd, seed++);
        for (const normalization of ['phase', 'none'] as const) {
          expectSameOrTie(
            reference,
            moving,
            normalization,
            100,
            `noise ${noise} truth ${truth.join(',')} ${normalization}`,
          );
          compared++;
        }
        if (noise <= 0.5) {
          const window = windowOf(reference, moving);
          if (window.points.every((n) => n < 150)) windowed++;
          if (window.points[0]! > window.points[2]!) longInZ++;
        }
      }
    }
    expect(compared).toBe(24);
    // The comparison above is only meaningful if the window was in use on the clear pairs.
    expect(windowed).toBeGreaterThanOrEqual(8);
    expect(longInZ).toBeGreaterThanOrEqual(1);
  });

  it('covers the peak of a sharp correlation and the whole box of a flat one', () => {
    const shape = [32, 32, 32];
    const surface = new Float32Array(sizeOf(shape));
    surface[0] = 1;
    surface[1] = 0.8; // the peak lies between x = 0 and x = 1, nearer 0
    const start = [-0.75, -0.75, -0.75];
    const window = peakWindow(lanczosSurvey(surface, shape, start, 100, SURVEY), SURVEY, 3, 150, 5);
    expect(Math.max(...window.points)).toBeLessThanOrEqual(75);
    // Fine index of x = 0.4 px (about where the interpolated peak is) and of y = z = 0.
    const inside = (a: number, j: number): boolean =>
      j >= window.offset[a]! && j < window.offset[a]! + window.points[a]!;
    expect(inside(2, 115)).toBe(true);
    expect(inside(1, 75) && inside(0, 75)).toBe(true);
    expect(inside(2, 10)).toBe(false);

    const flatSurface = new Float32Array(sizeOf(shape)).fill(3);
    const flat = peakWindow(lanczosSurvey(flatSurface, shape, start, 100, SURVEY), SURVEY, 3, 150, 5);
    expect(flat).toEqual({ offset: [0, 0, 0], points: [150, 150, 150] });
  });
});

/** A running mean over `width` slices along z (periodic): low-pass along one axis only. */
function blurZ(volume: NdArray, width: number): NdArray<Float64Array> {
  const [d0, d1, d2] = volume.shape as [number, number, number];
  const plane = d1 * d2;
  const out = new Float64Array(volume.data.length);
  for (let z = 0; z < d0; z++) {
    for (let k = 0; k < width; k++) {
      const src = ((z + k) % d0) * plane;
      for (let i = 0; i < plane; i++) out[z * plane + i]! += volume.data[src + i]! / width;
    }
  }
  return ndarray(out, [...volume.shape]);
}

/** The window the refinement would use for this pair (integer surface recomputed here). */
function windowOf(reference: NdArray, moving: NdArray) {
  const a = fftn(reference);
  const b = fftn(moving);
  const n = sizeOf(reference.shape);
  const product = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const ar = a.data[2 * i]!;
    const ai = a.data[2 * i + 1]!;
    const br = b.data[2 * i]!;
    const bi = b.data[2 * i + 1]!;
    const pr = ar * br + ai * bi;
    const pi = ai * br - ar * bi;
    const mag = Math.max(Math.hypot(pr, pi), 1e-30);
    product[2 * i] = pr / mag;
    product[2 * i + 1] = pi / mag;
  }
  // ifftn via conjugation: conj(fft(conj(x))) / n; only the real part is the surface.
  for (let i = 0; i < n; i++) product[2 * i + 1] = -product[2 * i + 1]!;
  const back = fftn({ data: product, shape: reference.shape });
  const surface = new Float32Array(n);
  let best = 0;
  for (let i = 0; i < n; i++) {
    surface[i] = back.data[2 * i]!;
    if (Math.abs(surface[i]!) > Math.abs(surface[best]!)) best = i;
  }
  const shape = reference.shape;
  const idx = [
    Math.floor(best / (shape[1]! * shape[2]!)),
    Math.floor(best / shape[2]!) % shape[1]!,
    best % shape[2]!,
  ];
  const start = idx.map((i, k) => (i > Math.trunc(shape[k]! / 2) ? i - shape[k]! : i) - 0.75);
  return peakWindow(lanczosSurvey(surface, shape, start, 100, SURVEY), SURVEY, 3, 150, 5);
}

/** The fine indices the 3D refinement surveys at upsample 100 (every 0.05 px, and the last). */
const SURVEY = [...Array.from({ length: 30 }, (_, k) => 5 * k), 149];
