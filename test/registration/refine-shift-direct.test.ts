import { beforeAll, describe, expect, it } from 'vitest';
import { makeCase, type AccuracyCase } from '../../bench/accuracy/accuracy-case.js';
import {
  accuracyCaseSpecs,
  loadAccuracySources,
  type AccuracySources,
} from '../../bench/accuracy/accuracy-cases.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import { chooseSmoothing, SMOOTHING_CANDIDATES } from '../../shared/registration/choose-smoothing.js';
import { halfShape, rfftn } from '../../shared/registration/fft/fftn.js';
import { HeapBuffer } from '../../shared/registration/fft/pffft-module.js';
import { tukeyWindow } from '../../shared/registration/preprocess/tukey-window.js';
import { refineShiftDirect } from '../../shared/registration/refine-shift-direct.js';
import { sizeOf } from '../../shared/ndarray/ndarray.js';
import { tileSignal } from '../../shared/tiling/tile-signal.js';
import { loadGoldenCases } from '../golden/load-golden.js';
import { shiftedPair, stdOf } from '../tiling/pixels.js';

// Real pixels: the seeded pairs of `npm run bench:accuracy` (test/fixtures sources).

let sources: AccuracySources;
beforeAll(async () => {
  sources = await loadAccuracySources();
});

function caseOf(id: string): AccuracyCase {
  const [spec] = accuracyCaseSpecs(sources, new RegExp(`^${id}$`));
  return makeCase(spec!);
}

const errorOf = (shift: readonly number[], truth: readonly number[]): number =>
  Math.hypot(...shift.map((s, k) => s - truth[k]!));

/** `chooseSmoothing` on a pair, at its true shift, as `registerTile` calls it. */
function smoothingOf(c: AccuracyCase): number {
  const { shape } = c.reference;
  const window = tukeyWindow(shape).data;
  let energy = 0;
  for (const w of window) energy += w * w;
  const spectrum = (image: NdArray): Float32Array => {
    let mean = 0;
    for (const v of image.data) mean += v;
    mean /= image.data.length;
    const windowed = Float64Array.from(image.data, (v, i) => (v - mean) * window[i]!);
    const buffer = new HeapBuffer(2 * sizeOf(halfShape(shape)));
    try {
      rfftn(windowed, shape, buffer);
      return buffer.view.slice();
    } finally {
      buffer.free();
    }
  };
  return chooseSmoothing({
    shape,
    reference: spectrum(c.reference),
    moving: spectrum(c.moving),
    shift: c.truth,
    referenceNoise: tileSignal(c.reference).noise ** 2 * energy,
    movingNoise: tileSignal(c.moving).noise ** 2 * energy,
  });
}

describe('refineShiftDirect', () => {
  it('converges from 0.4 px off to the true shift of a clean cropped pair (content crossing the borders)', () => {
    for (const id of ['camera-256-crop-clean', 'cell-256-crop-clean']) {
      const c = caseOf(id);
      const start = c.truth.map((t, k) => t + (k === 0 ? 0.4 : -0.3));
      const r = refineShiftDirect(c.reference, c.moving, start, { sigma: 1 });
      expect(r).toBeDefined();
      expect(r!.periodic).toBe(false);
      expect(errorOf(r!.shift, c.truth)).toBeLessThan(0.005);
    }
  });

  it('uses every pixel of a periodic shift, and is then several times closer on the low-texture cell', () => {
    // The cell sits against the border, where the overlap of a cropped pair would leave it out.
    const c = caseOf('cell-256-circular-gauss2');
    const r = refineShiftDirect(
      c.reference,
      c.moving,
      c.truth.map((t) => t + 0.2),
      { sigma: 1 },
    );
    expect(r!.periodic).toBe(true);
    expect(r!.pixels).toBe(256 * 256);
    expect(errorOf(r!.shift, c.truth)).toBeLessThan(0.03);
  });

  it('recovers a 3D shift of an EM volume (5 % noise, content crossing the borders)', () => {
    const image = loadGoldenCases().find((g) => g.id.startsWith('em13pf'))!.reference;
    const truth = [0.6, -1.33, 2.18];
    const { reference, moving } = shiftedPair(image, truth, [24, 56, 56], 0.05 * stdOf(image), 12);
    const r = refineShiftDirect(reference, moving, [0.9, -1.1, 1.9], { sigma: 1 });
    expect(r).toBeDefined();
    expect(errorOf(r!.shift, truth)).toBeLessThan(0.02);
  });

  it('gives up on a pair without texture (keep the correlation estimate)', () => {
    const flat = ndarray(new Float64Array(64 * 64).fill(7), [64, 64]);
    expect(refineShiftDirect(flat, flat, [0.3, -0.2], { sigma: 1 })).toBeUndefined();
  });
});

describe('chooseSmoothing', () => {
  it('smooths the least on clean textured pairs and more the noisier and flatter the pair', () => {
    const clean = smoothingOf(caseOf('camera-256-crop-clean'));
    const light = smoothingOf(caseOf('cell-256-crop-gauss2'));
    const heavy = smoothingOf(caseOf('cell-256-crop-gauss20'));
    expect(clean).toBe(SMOOTHING_CANDIDATES[0]);
    expect(light).toBeGreaterThan(clean);
    expect(heavy).toBeGreaterThan(light);
  });
});
