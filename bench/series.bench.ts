/**
 * The series case of `npm run bench` (issue 16): a drift series of 512² frames cut from a real
 * image (the camera, resampled up to leave room for the drift) at a known smooth subpixel drift,
 * content entering and leaving at every border, independent Gaussian noise of 3 % of the range on
 * each frame; its drift solved by `seriesDrift` (RCC, window 10, `method: 'spectra'`: each frame's
 * spectrum computed once and reused by its pairs; the default `tiles`, the pipeline's registration,
 * is the accurate and costly one: docs/accuracy.md). Reports Met-db's CPU time per pair against scikit-image's
 * `phase_cross_correlation` per pair on the same frames in the same run (when /usr/bin/python3 has
 * scikit-image), and every frame's error against the truth for both (scikit-image pair by pair,
 * each frame against frame 0).
 *
 * Environment: METDB_SERIES_FRAMES (default 200), METDB_SERIES_PEER_PAIRS (pairs timed for
 * scikit-image, default 100).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seriesDrift } from '../shared/aggregation/series-drift.js';
import { seriesPairs } from '../shared/aggregation/series-pairs.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { seededGaussian, seededUniform } from '../shared/random/seeded.js';
import { fourierShift } from '../shared/registration/fourier-shift.js';
import { repoRoot } from './repo-root.js';
import { resample } from './resample.js';

const FRAMES = Number(process.env.METDB_SERIES_FRAMES ?? 200);
const PEER_PAIRS = Number(process.env.METDB_SERIES_PEER_PAIRS ?? 100);
const SIDE = 512;
const MARGIN = 48;
const WINDOW = 10;
const UPSAMPLE = 100;

/** A smooth drift (a random walk of velocities), pixels [y, x] per frame, frame 0 at 0, within ±MARGIN/2. */
function drift(frames: number, seed: number): number[][] {
  const random = seededUniform(seed);
  const out: number[][] = [[0, 0]];
  const v = [0, 0];
  for (let f = 1; f < frames; f++) {
    const prev = out[f - 1]!;
    out.push(
      prev.map((p, a) => {
        v[a] = 0.9 * v[a]! + 0.15 * (2 * random() - 1);
        return Math.max(-MARGIN / 2, Math.min(MARGIN / 2, p + v[a]));
      }),
    );
  }
  return out;
}

function makeSeries(source: NdArray, frames: number): { frames: NdArray<Float32Array>[]; truth: number[][] } {
  const side = SIDE + 2 * MARGIN;
  const canvas = resample(source, [side, side]);
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of canvas.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const gauss = seededGaussian(7);
  const path = drift(frames, 3);
  const out = path.map((d) => {
    // The content is at +d in this frame: the canvas shifted by d, the same window cut out.
    const shifted = fourierShift(canvas, d);
    const data = new Float32Array(SIDE * SIDE);
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++)
        data[y * SIDE + x] = shifted.data[(y + MARGIN) * side + x + MARGIN]! + 0.03 * (hi - lo) * gauss();
    return { data, shape: [SIDE, SIDE] };
  });
  // The shift registering frame f onto frame 0 is -d.
  return { frames: out, truth: path.map((d) => d.map((v) => -v)) };
}

function maxError(shifts: readonly (readonly number[])[], truth: readonly number[][]): number {
  return Math.max(...shifts.map((s, f) => Math.hypot(s[0]! - truth[f]![0]!, s[1]! - truth[f]![1]!)));
}

const source = (await readImageFile(join(repoRoot(), 'test/fixtures/similarity/camera.png'))).array;
const series = makeSeries(source, FRAMES);
const pairs = seriesPairs(FRAMES, 'rcc', { window: WINDOW });
const load = loadavg()[0]!.toFixed(1);
const start = process.cpuUsage();
const wall = performance.now();
const result = seriesDrift(series.frames, {
  mode: 'rcc',
  rccWindow: WINDOW,
  upsampleFactor: UPSAMPLE,
  method: 'spectra',
});
const cpu = process.cpuUsage(start);
const wallMs = performance.now() - wall;
const oursMs = (cpu.user + cpu.system) / 1000 / pairs.length;
console.log(
  `series: ${FRAMES} frames of ${SIDE}², RCC window ${WINDOW}, ${pairs.length} pairs, upsample ${UPSAMPLE}, 3 % noise (load average ${load} on this machine)`,
);
console.log(
  `  Met-db seriesDrift: ${oursMs.toFixed(2)} ms CPU per pair (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, ${(wallMs / 1000).toFixed(1)} s wall), max frame error ${maxError(result.shifts, series.truth).toFixed(3)} px`,
);

const python = '/usr/bin/python3';
if (existsSync(python)) {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-series-bench-'));
  try {
    const raw = new Float32Array(FRAMES * SIDE * SIDE);
    series.frames.forEach((f, k) => raw.set(f.data, k * SIDE * SIDE));
    writeFileSync(join(dir, 'frames.f32'), raw);
    const step = Math.max(1, Math.floor(pairs.length / PEER_PAIRS));
    writeFileSync(
      join(dir, 'pairs.json'),
      JSON.stringify(pairs.filter((_, k) => k % step === 0).slice(0, PEER_PAIRS)),
    );
    const script = join(repoRoot(), 'bench/python/skimage_series_pairs.py');
    const args = [
      script,
      join(dir, 'frames.f32'),
      String(FRAMES),
      String(SIDE),
      String(SIDE),
      join(dir, 'pairs.json'),
      String(UPSAMPLE),
    ];
    const run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) {
      console.log(`  scikit-image: not run (${run.stderr.trim().split('\n').pop()})`);
    } else {
      const peer = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        perPairSeconds: number;
        pairs: number;
        onto0: number[][];
      };
      const theirsMs = peer.perPairSeconds * 1000;
      console.log(
        `  scikit-image phase_cross_correlation: ${theirsMs.toFixed(2)} ms CPU per pair (${peer.pairs} pairs timed), pair by pair onto frame 0: max frame error ${maxError(peer.onto0, series.truth).toFixed(3)} px`,
      );
      console.log(
        `  ratio Met-db / scikit-image per pair: ${(oursMs / theirsMs).toFixed(2)} (target at most 0.5)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('  scikit-image: not run (no /usr/bin/python3)');
}
