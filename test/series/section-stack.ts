import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../../shared/registration/warp-to-reference.js';
import { gaussian, withNoise } from '../tiling/pixels.js';

/** A synthetic FIB-SEM stack: sections of a real image through known, slowly varying affine maps. */
export interface SectionStack {
  /** (z, y, x), uint8. */
  readonly stack: NdArray<Uint8Array>;
  /** Per section k: the true transform of section k onto section 0 ((x, y), moving -> reference). */
  readonly truth: Matrix3[];
}

/**
 * `n` sections of `h` x `w` cut from test/fixtures/accuracy/ihc_sem_like.png (a real tissue
 * section) through affine maps whose scale, shear, rotation and position drift slowly along the
 * stack, with `noise` (a fraction of 255) Gaussian noise: the stack of section-affine.test.ts.
 */
export async function sectionStack(options: {
  n: number;
  h: number;
  w: number;
  noise?: number;
}): Promise<SectionStack> {
  const { n, h, w, noise = 0.03 } = options;
  const path = new URL('../fixtures/accuracy/ihc_sem_like.png', import.meta.url).pathname;
  const base = (await readImageFile(path)).array;
  const jitter = gaussian(19);
  const maps = Array.from({ length: n }, (_, k): Matrix3 => {
    const sx = 1 + 0.004 * Math.sin(k / 3);
    const sy = 1 - 0.0008 * k;
    const shear = 0.002 * Math.cos(k / 4);
    const turn = 0.0006 * k;
    const [ox, oy] = [(w - 1) / 2 + 1.3 * k + 0.5 * jitter(), (h - 1) / 2 - 0.9 * k + 0.5 * jitter()];
    const [cx, cy] = [255.5, 255.5];
    return [
      [sx, shear + turn, ox - sx * cx - (shear + turn) * cy],
      [-turn, sy, oy + turn * cx - sy * cy],
      [0, 0, 1],
    ];
  }); // base -> section k
  const data = new Uint8Array(n * h * w);
  maps.forEach((m, k) => {
    const section = withNoise(warpToReference(base, m, { outputShape: [h, w] }), noise * 255, 500 + k);
    section.data.forEach((v, i) => (data[k * h * w + i] = Math.min(255, Math.max(0, Math.round(v)))));
  });
  const truth = maps.map((m) => multiplyMatrices(maps[0]!, invertMatrix(m)));
  return { stack: ndarray(data, [n, h, w]), truth };
}

/** Mean distance, pixels, between the images of the frame's four corners under two transforms. */
export function cornerError(got: Matrix3, truth: Matrix3, [h, w]: readonly [number, number]): number {
  const corners = [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ] as const;
  return (
    corners
      .map(([x, y]) => {
        const [a, b] = applyMatrix(got, x, y);
        const [c, d] = applyMatrix(truth, x, y);
        return Math.hypot(a - c, b - d);
      })
      .reduce((s, e) => s + e, 0) / 4
  );
}
