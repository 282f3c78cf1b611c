/**
 * Frame-to-frame affine benchmark (`npm run bench:section-affine`): two 1500 x 2000 sections cut
 * from a large image of real texture (bench/real-patchwork.ts) through affine maps that differ by a
 * small scale, shear and shift, with 3 % Gaussian noise; `sectionPairTransform` (tile shifts by
 * phase correlation, affine least squares) measures the pair. Prints the median time of the runs
 * (single thread) and the error at the section corners against the true transform; with
 * `/usr/bin/python3` and OpenCV, the same for feature matching (ORB and SIFT, RANSAC affine:
 * bench/python/section_affine_features.py) on the same pair. `--stack N` then aligns N sections of
 * slowly varying affine distortion and prints each section's mean corner error onto section 0.
 *
 * Options: --runs N (default 5), --tile N (default 256), --model (default affine),
 * --source sem | patchwork (default sem: the SEM-like tissue section, test/fixtures/accuracy;
 * patchwork: fluorescence and phase images), --stack N (default 0), --peers true | false.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cumulativeTransforms } from '../shared/aggregation/cumulative-transforms.js';
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
    source: { type: 'string', default: 'sem' },
    stack: { type: 'string', default: '0' },
    peers: { type: 'string', default: 'true' },
  },
});
const runs = Number(values.runs);
const tileSize = Number(values.tile);
const model = values.model as SectionModel;
const [h, w] = [1500, 2000];
const margin = 100;

const root = repoRoot();
const files =
  values.source === 'patchwork'
    ? [
        'test/fixtures/images/cell_u16.tif',
        'samples/sources/bbbc022_hoechst.tif',
        'samples/u2os/reference.tif',
      ]
    : ['test/fixtures/accuracy/ihc_sem_like.png'];
const sources = await Promise.all(files.map(async (f) => (await readImageFile(join(root, f))).array));
const canvas = ndarray(patchworkRegion({ sources, seed: 19 }, 0, 0, w + 2 * margin, h + 2 * margin), [
  h + 2 * margin,
  w + 2 * margin,
]);
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
/** Section k of canvas -> section map m: what the section shows, with 3 % noise. */
const section = (m: Matrix3, seed: number) =>
  noisy(warpToReference(canvas, m, { outputShape: [h, w], order: 1 }), seed);
const corners = [
  [0, 0],
  [w - 1, 0],
  [0, h - 1],
  [w - 1, h - 1],
];
const cornerErrors = (got: Matrix3, truth: Matrix3) =>
  corners.map(([x, y]) => {
    const [gx, gy] = applyMatrix(got, x!, y!);
    const [tx, ty] = applyMatrix(truth, x!, y!);
    return Math.hypot(gx - tx, gy - ty);
  });
const mean = (xs: number[]) => xs.reduce((s, e) => s + e, 0) / xs.length;

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
const reference = section(first, 1);
const moving = section(second, 2);
const truth = multiplyMatrices(first, invertMatrix(second)); // moving section -> reference section

// Wall clock and CPU time (this process, one thread): on a shared machine CPU time is the cost.
const times: number[] = [];
const cpuTimes: number[] = [];
let result = sectionPairTransform(reference, moving, { model, tileSize });
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  result = sectionPairTransform(reference, moving, { model, tileSize });
  const used = process.cpuUsage(cpu);
  times.push(performance.now() - start);
  cpuTimes.push((used.user + used.system) / 1000);
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const errors = cornerErrors(result.matrix, truth);
console.log(
  `section pair ${w} x ${h} (${values.source}), model ${model}, tiles ${tileSize} px: ${result.tiles} tiles used, ${result.inliers} inliers`,
);
console.log(
  `tile fit: median ${median(times).toFixed(0)} ms wall (min ${times[0]!.toFixed(0)}), ${median(cpuTimes).toFixed(0)} ms CPU over ${runs} runs (one thread); corner errors mean ${mean(errors).toFixed(3)} px, max ${Math.max(...errors).toFixed(3)} px; residual rms ${result.residualRms.toFixed(3)} px`,
);

const python = '/usr/bin/python3';
if (values.peers !== 'false' && existsSync(python)) {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-section-affine-'));
  try {
    writeFileSync(join(dir, 'reference.f32'), reference.data);
    writeFileSync(join(dir, 'moving.f32'), moving.data);
    const script = join(root, 'bench/python/section_affine_features.py');
    type PeerRun = {
      seconds: number;
      cpuSeconds: number;
      matrix: number[][] | null;
      matches: number;
      inliers: number;
    };
    const peers: { orb: PeerRun; sift: PeerRun; opencv: string }[] = [];
    for (let r = 0; r < Math.min(runs, 3); r++) {
      const run = spawnSync(
        python,
        [script, join(dir, 'reference.f32'), join(dir, 'moving.f32'), String(h), String(w)],
        {
          encoding: 'utf8',
        },
      );
      if (run.status !== 0) {
        console.log(`feature peers not run: ${run.stderr.trim().split('\n').pop()}`);
        break;
      }
      peers.push(JSON.parse(run.stdout.trim().split('\n').pop()!) as (typeof peers)[number]);
    }
    for (const name of ['orb', 'sift'] as const) {
      if (peers.length === 0) break;
      const last = peers[peers.length - 1]![name];
      const seconds = peers.map((p) => p[name].seconds).sort((a, b) => a - b);
      const cpuSeconds = peers.map((p) => p[name].cpuSeconds).sort((a, b) => a - b);
      const matrix = last.matrix;
      const e =
        matrix === null
          ? null
          : cornerErrors(
              [
                [matrix[0]![0]!, matrix[0]![1]!, matrix[0]![2]!],
                [matrix[1]![0]!, matrix[1]![1]!, matrix[1]![2]!],
                [0, 0, 1],
              ],
              truth,
            );
      console.log(
        `OpenCV ${peers[0]!.opencv} ${name} + RANSAC affine: median ${(1000 * median(seconds)).toFixed(0)} ms wall, ${(1000 * median(cpuSeconds)).toFixed(0)} ms CPU over ${seconds.length} runs (one thread), ${last.matches} matches, ${last.inliers} inliers; ` +
          (e === null
            ? 'no fit'
            : `corner errors mean ${mean(e).toFixed(3)} px, max ${Math.max(...e).toFixed(3)} px`),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const n = Number(values.stack);
if (n >= 2) {
  // A stack of slowly varying affine distortion (scale, shear, rotation) and drift, 3 % noise.
  const maps = Array.from({ length: n }, (_, k): Matrix3 => {
    const sx = 1 + 0.004 * Math.sin(k / 3);
    const sy = 1 - 0.0008 * k;
    const shear = 0.002 * Math.cos(k / 4);
    const turn = 0.0006 * k;
    return [
      [sx, shear + turn, -margin - 1.3 * k],
      [-turn, sy, -margin + 0.9 * k],
      [0, 0, 1],
    ];
  }); // canvas -> section k
  const sections = maps.map((m, k) => section(m, 100 + k));
  const cpu = process.cpuUsage();
  const steps = sections.slice(1).map((s, k) => sectionPairTransform(sections[k]!, s, { model, tileSize }));
  const used = process.cpuUsage(cpu);
  const elapsed = (used.user + used.system) / 1000;
  const cumulative = cumulativeTransforms(steps);
  const perSection = cumulative
    .slice(1)
    .map((m, i) => mean(cornerErrors(m, multiplyMatrices(maps[0]!, invertMatrix(maps[i + 1]!)))));
  console.log(
    `stack of ${n} sections: ${(elapsed / (n - 1)).toFixed(0)} ms CPU per pair; mean corner error onto section 0 per section: ${perSection.map((e) => e.toFixed(3)).join(' ')} px (mean ${mean(perSection).toFixed(3)}, worst ${Math.max(...perSection).toFixed(3)}); flagged ${steps.filter((s) => s.flagged !== null).length}`,
  );
}
