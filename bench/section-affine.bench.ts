/**
 * Frame-to-frame affine benchmark (`npm run bench:section-affine`): two 1500 x 2000 sections cut
 * from a patchwork of real images (bench/real-patchwork.ts) through affine maps that differ by a
 * small scale, shear and shift, with 3 % Gaussian noise; `sectionPairTransform` (tile shifts by
 * phase correlation, affine least squares) measures the pair. Prints the median time of the runs
 * (single thread) and the error at the section corners against the true transform.
 *
 * Options: --runs N (default 5), --tile N (default 256), --model (default affine).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SectionModel } from '../shared/aggregation/section-transform.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../shared/ndarray/ndarray.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../shared/registration/similarity/transform-matrix.js';
import { warpToReference } from '../shared/registration/warp-to-reference.js';
import { sectionPairTransform } from '../shared/tiling/section-pair-transform.js';
import { patchworkRegion } from './real-patchwork.js';
import { repoRoot } from './repo-root.js';
import { seededGaussian } from '../shared/random/seeded.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    tile: { type: 'string', default: '256' },
    model: { type: 'string', default: 'affine' },
  },
});
const runs = Number(values.runs);
const tileSize = Number(values.tile);
const model = values.model as SectionModel;
const [h, w] = [1500, 2000];
const margin = 100;

const root = repoRoot();
const sources = await Promise.all(
  [
    'test/fixtures/images/cell_u16.tif',
    'samples/sources/bbbc022_hoechst.tif',
    'samples/u2os/reference.tif',
  ].map(async (f) => (await readImageFile(join(root, f))).array),
);
const canvas = ndarray(patchworkRegion({ sources, seed: 19 }, 0, 0, w + 2 * margin, h + 2 * margin), [
  h + 2 * margin,
  w + 2 * margin,
]);
// Canvas -> section maps: the second section is scaled by 0.3 % in x, sheared by 0.2 % and moved.
const first: Matrix3 = [
  [1, 0, -margin],
  [0, 1, -margin],
  [0, 0, 1],
];
const second: Matrix3 = [
  [1.003, 0.002, -margin - 4.3],
  [-0.001, 0.999, -margin + 2.6],
  [0, 0, 1],
];
let [lo, hi] = [Infinity, -Infinity];
for (const v of canvas.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
const noisy = (image: NdArray, seed: number): NdArray<Float32Array> => {
  const noise = seededGaussian(seed);
  const sigma = 0.03 * (hi - lo);
  return ndarray(
    Float32Array.from(image.data, (v) => v + sigma * noise()),
    image.shape,
  );
};
const reference = noisy(warpToReference(canvas, first, { outputShape: [h, w], order: 1 }), 1);
const moving = noisy(warpToReference(canvas, second, { outputShape: [h, w], order: 1 }), 2);
const truth = multiplyMatrices(first, invertMatrix(second)); // moving section -> reference section

const times: number[] = [];
let result = sectionPairTransform(reference, moving, { model, tileSize });
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  result = sectionPairTransform(reference, moving, { model, tileSize });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const corners = [
  [0, 0],
  [w - 1, 0],
  [0, h - 1],
  [w - 1, h - 1],
].map(([x, y]) => {
  const [gx, gy] = applyMatrix(result.matrix, x!, y!);
  const [tx, ty] = applyMatrix(truth, x!, y!);
  return Math.hypot(gx - tx, gy - ty);
});
console.log(
  `section pair ${w} x ${h}, model ${model}, tiles ${tileSize} px: ${result.tiles} tiles used, ${result.inliers} inliers`,
);
console.log(
  `time: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms over ${runs} runs (one thread)`,
);
console.log(
  `corner errors: mean ${(corners.reduce((s, e) => s + e, 0) / 4).toFixed(3)} px, max ${Math.max(...corners).toFixed(3)} px; residual rms ${result.residualRms.toFixed(3)} px`,
);
