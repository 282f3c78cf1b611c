import { beforeAll, describe, expect, it } from 'vitest';
import { cornerErrors } from '../../bench/similarity-pair.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import {
  invertMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';
import { registerAffine } from '../../shared/tiling/register-affine.js';
import { withNoise } from './pixels.js';

const [h, w] = [320, 384];

/** A real image seen through two canvas -> image maps, 3 % noise: the pair and moving -> reference. */
async function affinePair(second: Matrix3): Promise<{ reference: NdArray; moving: NdArray; truth: Matrix3 }> {
  const base = (await readImageFile(new URL('../fixtures/accuracy/camera.png', import.meta.url).pathname))
    .array;
  const first: Matrix3 = [
    [1, 0, -60],
    [0, 1, -90],
    [0, 0, 1],
  ];
  const view = (m: Matrix3, seed: number) =>
    withNoise(warpToReference(base, m, { outputShape: [h, w] }), 0.03 * 255, seed);
  return {
    reference: view(first, 1),
    moving: view(second, 2),
    truth: multiplyMatrices(first, invertMatrix(second)),
  };
}

describe('registerAffine', () => {
  let pair: Awaited<ReturnType<typeof affinePair>>;
  beforeAll(async () => {
    // 0.8 % x scale, 0.5 % shear and a shift of 31 px (half a tile): the coarse shift keeps the tiles.
    pair = await affinePair([
      [1.008, 0.005, -60 + 31.4],
      [-0.002, 0.996, -90 - 12.7],
      [0, 0, 1],
    ]);
  });

  it('recovers an affine distortion and a large shift within 0.25 px at the corners', () => {
    const r = registerAffine(pair.reference, pair.moving, { tileSize: 64 });
    expect(r.flagged).toBeNull();
    expect(r.model).toBe('affine');
    expect(r.inliers).toBeGreaterThanOrEqual(20);
    expect(cornerErrors(r.matrix, pair.truth, [h, w]).mean).toBeLessThan(0.25);
    expect(r.nccAfter).toBeGreaterThan(0.95);
    expect(r.nccAfter).toBeGreaterThan(r.nccBefore + 0.1);
  });

  it('restricted models keep their fixed coefficients; a strong regularisation leaves a shift', () => {
    const xscale = registerAffine(pair.reference, pair.moving, {
      tileSize: 64,
      model: 'xscale-shift',
    }).matrix;
    expect([xscale[0][1], xscale[1][0], xscale[1][1]]).toEqual([0, 0, 1]);
    expect(xscale[0][0]).toBeGreaterThan(0.99);
    const stiff = registerAffine(pair.reference, pair.moving, {
      tileSize: 64,
      model: 'regularized-affine',
      lambda: 1e6,
    }).matrix;
    expect(Math.hypot(stiff[0][0] - 1, stiff[0][1], stiff[1][0], stiff[1][1] - 1)).toBeLessThan(1e-5);
  });

  it('flags a pair without evidence and refuses 3D', () => {
    const flat = ndarray(new Float32Array(h * w).fill(100), [h, w]);
    const r = registerAffine(flat, flat, { tileSize: 64 });
    expect(r.flagged).toBe('no-points');
    expect(() =>
      registerAffine(ndarray(new Float32Array(8), [2, 2, 2]), ndarray(new Float32Array(8), [2, 2, 2])),
    ).toThrow(/needs 2D images/);
  });
});
