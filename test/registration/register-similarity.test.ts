import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cornerErrors, similarityPair } from '../../bench/similarity-pair.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { registerSimilarity } from '../../shared/registration/similarity/register-similarity.js';
import { similarityMatrix, imageCentre } from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';

// Real images (test/fixtures/similarity/ATTRIBUTION.md), 512² and 384x512, with a known similarity,
// content entering and leaving at the borders, and 2 % Gaussian noise in both images.
const dir = fileURLToPath(new URL('../fixtures/similarity/', import.meta.url));
const images = new Map<string, NdArray>();
beforeAll(async () => {
  for (const name of ['camera', 'cell', 'bbbc022'])
    images.set(name, (await readImageFile(`${dir}${name}.png`)).array);
});

describe('registerSimilarity on real images', () => {
  const cases = [
    { image: 'camera', angle: 141.2, scale: 1.22, shift: [2.6, 7.9] as const },
    // low texture: imreg_dft errs by tens of degrees on this cell
    { image: 'cell', angle: -63.7, scale: 0.83, shift: [-9.5, 12.25] as const },
    { image: 'cell', angle: 17.3, scale: 1.1, shift: [6.2, -4.1] as const },
    // non-square, nearly half a turn: the 180-degree twin must be rejected
    { image: 'bbbc022', angle: 179.3, scale: 1.03, shift: [0.4, 0.7] as const },
  ];
  it.each(cases)('$image: $angle degrees, scale $scale', ({ image, ...truth }) => {
    const pair = similarityPair(images.get(image)!, truth, 0.02, 7);
    const r = registerSimilarity(pair.reference, pair.moving);
    const e = cornerErrors(r.matrix, pair.matrix, pair.moving.shape);
    // The bar is 0.3 px mean and 1 px max; these cases measure below 0.12 px.
    expect(e.mean).toBeLessThan(0.3);
    expect(e.max).toBeLessThan(1);
    expect(r.angle).toBeCloseTo(truth.angle, 1);
    expect(r.scale).toBeCloseTo(truth.scale, 3);
    expect(r.shift[0]).toBeCloseTo(truth.shift[0], 0);
    expect(r.shift[1]).toBeCloseTo(truth.shift[1], 0);
    expect(r.residual).toBeLessThan(0.2);
  });

  it('rigid: scale held at 1, rotation and shift found', () => {
    const truth = { angle: -95.5, scale: 1, shift: [-14.1, -3.3] as const };
    const pair = similarityPair(images.get('camera')!, truth, 0.02, 3);
    const r = registerSimilarity(pair.reference, pair.moving, { model: 'rigid' });
    expect(r.scale).toBe(1);
    expect(cornerErrors(r.matrix, pair.matrix, pair.moving.shape).max).toBeLessThan(0.5);
  });

  it('the Fourier-Mellin stage alone (no refinement) lands within a few pixels', () => {
    const truth = { angle: 33, scale: 0.9, shift: [5, -8] as const };
    const pair = similarityPair(images.get('bbbc022')!, truth, 0.02, 5);
    const coarse = registerSimilarity(pair.reference, pair.moving, { refine: false, iterations: 2 });
    expect(Number.isNaN(coarse.residual)).toBe(true);
    expect(cornerErrors(coarse.matrix, pair.matrix, pair.moving.shape).max).toBeLessThan(4);
  });

  it('a scale outside scaleRange is not found', () => {
    const truth = { angle: 10, scale: 1.4, shift: [0, 0] as const };
    const pair = similarityPair(images.get('camera')!, truth, 0.02, 9);
    const r = registerSimilarity(pair.reference, pair.moving, { scaleRange: [0.8, 1.25] });
    expect(cornerErrors(r.matrix, pair.matrix, pair.moving.shape).mean).toBeGreaterThan(5);
  });

  it('the matrix warps the moving image onto the reference (warpToReference)', () => {
    const camera = images.get('camera')!;
    const truth = { angle: 25, scale: 1.1, shift: [4, -3] as const };
    const pair = similarityPair(camera, truth, 0.02, 11);
    const r = registerSimilarity(pair.reference, pair.moving);
    const warped = warpToReference(pair.moving, r.matrix, { order: 1 });
    // central 200x200: the registered image equals the reference up to noise and interpolation
    let sum = 0;
    let n = 0;
    for (let y = 156; y < 356; y++) {
      for (let x = 156; x < 356; x++) {
        sum += (warped.data[y * 512 + x]! - pair.reference.data[y * 512 + x]!) ** 2;
        n++;
      }
    }
    expect(Math.sqrt(sum / n)).toBeLessThan(0.06 * 255);
  });

  it('rejects 3D, tiny and non-finite input and bad options with one clear error', () => {
    const camera = images.get('camera')!;
    const bad: [NdArray, NdArray, object?][] = [
      [{ data: new Float32Array(8 * 32 * 32), shape: [8, 32, 32] }, camera],
      [{ data: new Float32Array(8 * 8), shape: [8, 8] }, camera],
      [camera, { data: Float32Array.of(...new Array<number>(1023).fill(1), Number.NaN), shape: [32, 32] }],
      [camera, camera, { scaleRange: [1.2, 2] }],
      [camera, camera, { model: 'affine' }],
      [camera, camera, { iterations: 0 }],
      [camera, camera, { upsample: 10 }],
    ];
    for (const [a, b, options] of bad) {
      let caught: unknown;
      try {
        registerSimilarity(a, b, options);
      } catch (error) {
        caught = error;
      }
      expect(isMetdbError(caught)).toBe(true);
    }
  });
});

describe('similarityMatrix', () => {
  it('maps the centre to centre + shift and turns +x toward +y', () => {
    const m = similarityMatrix(90, 2, [3, 5], imageCentre([11, 21]));
    expect(m[0][0] * 10 + m[0][1] * 5 + m[0][2]).toBeCloseTo(15, 12);
    expect(m[1][0] * 10 + m[1][1] * 5 + m[1][2]).toBeCloseTo(8, 12);
    // (11, 5): one pixel right of the centre, lands two pixels below centre + shift
    expect(m[0][0] * 11 + m[0][1] * 5 + m[0][2]).toBeCloseTo(15, 12);
    expect(m[1][0] * 11 + m[1][1] * 5 + m[1][2]).toBeCloseTo(10, 12);
  });
});
