import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { similarityPair } from '../../bench/similarity-pair.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { stackedAverageByMatrix } from '../../shared/outputs/stacked-average-by-matrix.js';
import { identityMatrix, type Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';

// Three frames of the real camera image: the reference and two rotated, scaled views, each with its
// true matrix (2 % noise each): averaged, the reference region is the image with less noise.
let camera: NdArray;
let frames: { image: NdArray; matrix: Matrix3 }[];
beforeAll(async () => {
  camera = (await readImageFile(fileURLToPath(new URL('../fixtures/similarity/camera.png', import.meta.url))))
    .array;
  const a = similarityPair(camera, { angle: 20, scale: 1.1, shift: [4, -6] }, 0.02, 1);
  const b = similarityPair(camera, { angle: -45, scale: 0.9, shift: [-3, 2] }, 0.02, 2);
  frames = [
    { image: a.reference, matrix: identityMatrix() },
    { image: a.moving, matrix: a.matrix },
    { image: b.moving, matrix: b.matrix },
  ];
});

function rmsAgainstCamera(
  avg: { image: NdArray; origin: readonly number[] },
  x0: number,
  y0: number,
  n: number,
): number {
  const [oy, ox] = avg.origin as [number, number];
  const w = avg.image.shape[1]!;
  let sum = 0;
  for (let y = y0; y < y0 + n; y++) {
    for (let x = x0; x < x0 + n; x++) {
      sum += (avg.image.data[(y - oy) * w + (x - ox)]! - camera.data[y * 512 + x]!) ** 2;
    }
  }
  return Math.sqrt(sum / (n * n));
}

describe('stackedAverageByMatrix', () => {
  it("'full': the union canvas; where all three frames meet, the average has less noise than one frame", () => {
    const avg = stackedAverageByMatrix(frames, { crop: 'full' });
    expect(avg.origin[0]).toBeLessThan(0);
    expect(avg.image.shape[0]! + avg.origin[0]!).toBeGreaterThan(512);
    const one = rmsAgainstCamera({ image: frames[0]!.image, origin: [0, 0] }, 200, 200, 100);
    const three = rmsAgainstCamera(avg, 200, 200, 100);
    // noise 2 % of 255 per frame: about 5.1 alone, about 3 for three (interpolation adds a little)
    expect(one).toBeGreaterThan(4.5);
    expect(three).toBeLessThan(0.75 * one);
    expect(avg.coverage.data[(256 - avg.origin[0]!) * avg.image.shape[1]! + (256 - avg.origin[1]!)]).toBe(3);
  });

  it("'overlap': cropped to where every frame covers, inside the reference", () => {
    const avg = stackedAverageByMatrix(frames, { crop: 'overlap' });
    expect(avg.origin[0]).toBeGreaterThanOrEqual(0);
    expect(avg.image.shape[0]! + avg.origin[0]!).toBeLessThanOrEqual(512);
    expect(avg.coverage.data.reduce((m, v) => Math.max(m, v), 0)).toBe(3);
  });
});
