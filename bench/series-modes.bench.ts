/**
 * `npm run bench:series-modes` (issue 16): which way of pairing a series' frames (`reference`,
 * `consecutive`, `rcc`) is most accurate on realistic data, the evidence for the default
 * (SERIES_DEFAULTS) and for docs/accuracy.md, *Series drift*.
 *
 * Data: frames cut from a real image (the camera of scikit-image's data, BBBC022 U2OS nuclei),
 * the window fixed and the content moved under it by a smooth random walk (velocities that wander,
 * scaled to at most `side / 16` px: content enters and leaves at every border), each frame
 * Fourier-shifted from the same canvas, then Gaussian noise of 3 % of the canvas' range, then
 * rounded to uint16 (what a camera writes). Every method gets the same uint16 frames.
 *
 * Methods: Met-db's library (`seriesDrift`: Tukey window, phase correlation, upsample 100) and
 * Met-db's pipeline (`runFolder` on the stack as one multi-page file, `metdb.json` `series`: the
 * tiles through `registerTile`, the series solve of the job's aggregation) in each mode (rcc:
 * window 10); scikit-image's `phase_cross_correlation` pair by pair (each frame against frame 0,
 * and frame to frame summed) and a re-implementation of PYME's image RCC (window 10), both from
 * bench/python/series_modes_peers.py through /usr/bin/python3. Error: per frame, the distance
 * between the solved and the true drift, pixels; max and RMS over the frames.
 *
 * Environment: METDB_SERIES_CASES (default `10x256,100x256,1000x128`: frames x side),
 * METDB_SERIES_SOURCES (default `camera,nuclei`), METDB_SERIES_PIPELINE=0 skips the pipeline,
 * METDB_SERIES_PEERS=0 skips Python.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFolder } from '../local/run-folder.js';
import { seriesDrift } from '../shared/aggregation/series-drift.js';
import { SERIES_MODES, type SeriesMode } from '../shared/aggregation/series-pairs.js';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { seededGaussian, seededUniform } from '../shared/random/seeded.js';
import { fourierShift } from '../shared/registration/fourier-shift.js';
import { repoRoot } from './repo-root.js';

const SOURCES: Record<string, string> = {
  camera: 'test/fixtures/similarity/camera.png',
  nuclei: 'samples/sources/bbbc022_hoechst.tif',
};
const WINDOW = 10;
const NOISE = 0.03;

interface Series {
  stack: NdArray<Uint16Array>;
  /** Per frame, where the content is minus where it is in frame 0, pixels, y, x. */
  truth: number[][];
}

/** A smooth random walk: velocities wander (AR(1)), the path scaled to at most `amplitude` px. */
function randomWalk(frames: number, amplitude: number, seed: number): number[][] {
  const random = seededUniform(seed);
  const path: number[][] = [[0, 0]];
  const v = [0, 0];
  for (let f = 1; f < frames; f++) {
    for (let a = 0; a < 2; a++) v[a] = 0.95 * v[a]! + (2 * random() - 1);
    path.push(path[f - 1]!.map((p, a) => p + v[a]!));
  }
  const peak = Math.max(1e-9, ...path.flat().map(Math.abs));
  return path.map((d) => d.map((x) => (x * amplitude) / peak));
}

function makeSeries(source: NdArray, frames: number, side: number, seed: number): Series {
  const amplitude = side / 16;
  const margin = Math.ceil(amplitude) + 8;
  const canvasSide = side + 2 * margin;
  const [height, width] = source.shape as [number, number];
  if (height < canvasSide || width < canvasSide) throw new Error(`source too small for ${canvasSide}²`);
  // The central canvasSide² of the source, scaled to 1000..51000 (uint16 with room for the noise).
  const y0 = Math.floor((height - canvasSide) / 2);
  const x0 = Math.floor((width - canvasSide) / 2);
  const canvas = new Float64Array(canvasSide * canvasSide);
  for (let y = 0; y < canvasSide; y++)
    for (let x = 0; x < canvasSide; x++) canvas[y * canvasSide + x] = source.data[(y0 + y) * width + x0 + x]!;
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of canvas) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  for (let i = 0; i < canvas.length; i++) canvas[i] = 1000 + (50_000 * (canvas[i]! - lo)) / (hi - lo);
  const truth = randomWalk(frames, amplitude, seed);
  const gauss = seededGaussian(seed + 100);
  const sigma = NOISE * 50_000;
  const data = new Uint16Array(frames * side * side);
  const image = { data: canvas, shape: [canvasSide, canvasSide] };
  truth.forEach((d, k) => {
    const shifted = fourierShift(image, d).data; // content at +d
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const v = shifted[(y + margin) * canvasSide + x + margin]! + sigma * gauss();
        data[k * side * side + y * side + x] = Math.min(65535, Math.max(0, Math.round(v)));
      }
  });
  return { stack: { data, shape: [frames, side, side] }, truth };
}

function errors(
  drift: readonly (readonly number[])[],
  truth: readonly number[][],
): { max: number; rms: number } {
  const e = truth.map((t, f) => Math.hypot(drift[f]![0]! - t[0]!, drift[f]![1]! - t[1]!));
  return { max: Math.max(...e), rms: Math.sqrt(e.reduce((s, x) => s + x * x, 0) / e.length) };
}

function cpuSeconds<T>(fn: () => T): [T, number] {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return [value, (used.user + used.system) / 1e6];
}

interface Row {
  case: string;
  method: string;
  max: number;
  rms: number;
  cpu: number;
}

const cases = (process.env.METDB_SERIES_CASES ?? '10x256,100x256,1000x128').split(',').map((c) => {
  const [frames, side] = c.split('x').map(Number) as [number, number];
  return { frames, side };
});
const sources = (process.env.METDB_SERIES_SOURCES ?? 'camera,nuclei').split(',');
const withPipeline = process.env.METDB_SERIES_PIPELINE !== '0';
const withPeers = process.env.METDB_SERIES_PEERS !== '0' && existsSync('/usr/bin/python3');
const rows: Row[] = [];
const report = (row: Row) => {
  rows.push(row);
  console.log(
    `| ${row.case} | ${row.method} | ${row.max.toFixed(3)} | ${row.rms.toFixed(3)} | ${row.cpu.toFixed(1)} |`,
  );
};

console.log(`series modes, 3 % noise, smooth random-walk drift, load average ${loadavg()[0]!.toFixed(1)}`);
console.log('| case | method | max error px | RMS error px | CPU s |');
console.log('|---|---|---|---|---|');
const work = mkdtempSync(join(tmpdir(), 'metdb-series-modes-'));
try {
  for (const { frames, side } of cases) {
    for (const [s, name] of sources.entries()) {
      const source = (await readImageFile(join(repoRoot(), SOURCES[name]!))).array;
      const series = makeSeries(source, frames, side, 11 + s);
      const label = `${name}, ${frames} x ${side}²`;
      const plane = side * side;
      const asFloat = Array.from({ length: frames }, (_, k) => ({
        data: Float32Array.from(series.stack.data.subarray(k * plane, (k + 1) * plane)),
        shape: [side, side],
      }));
      for (const mode of SERIES_MODES) {
        const [result, cpu] = cpuSeconds(() => seriesDrift(asFloat, { mode, rccWindow: WINDOW }));
        report({ case: label, method: `library ${mode}`, ...errors(result.drift, series.truth), cpu });
      }
      if (withPipeline) {
        for (const mode of SERIES_MODES) report(await pipelineRow(series, label, mode));
      }
      if (withPeers) {
        const path = join(work, 'frames.f32');
        writeFileSync(path, Float32Array.from(series.stack.data));
        const methods = ['skimage-reference', 'skimage-consecutive', 'pyme-rcc'];
        const run = spawnSync(
          'nice',
          [
            '/usr/bin/python3',
            join(repoRoot(), 'bench/python/series_modes_peers.py'),
            path,
            String(frames),
            String(side),
            String(side),
            '100',
            String(WINDOW),
            methods.join(','),
          ],
          { encoding: 'utf8', maxBuffer: 256 << 20 },
        );
        if (run.status !== 0) {
          console.log(`  peers not run: ${run.stderr.trim().split('\n').pop()}`);
        } else {
          const peers = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<
            string,
            { drift: number[][]; cpuSeconds: number }
          >;
          for (const m of methods) {
            const p = peers[m]!;
            report({ case: label, method: m, ...errors(p.drift, series.truth), cpu: p.cpuSeconds });
          }
        }
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(tmpdir(), 'metdb-series-modes.json'), JSON.stringify(rows, null, 1));

async function pipelineRow(series: Series, label: string, mode: SeriesMode): Promise<Row> {
  const folder = join(work, `run-${mode}-${Date.now()}`);
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'stack.tif'),
    encodeTiff(series.stack, { description: JSON.stringify({ shape: series.stack.shape }) }),
  );
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ series: mode, rccWindow: WINDOW }));
  const start = process.cpuUsage();
  const summary = await runFolder(folder, {
    workers: 1,
    cwd: work,
    out: join(folder, 'out'),
    registeredImages: false,
    average: false,
    logLevel: 'silent',
  });
  const used = process.cpuUsage(start);
  const drift = series.truth.map((_, f) => {
    const r = summary.results.find((x) => x.frame === f);
    return r?.shift == null ? [Number.NaN, Number.NaN] : r.shift.map((v) => -v);
  });
  rmSync(folder, { recursive: true, force: true });
  // Workers are threads of this process: their CPU counts in process.cpuUsage.
  return {
    case: label,
    method: `pipeline ${mode}`,
    ...errors(drift, series.truth),
    cpu: (used.user + used.system) / 1e6,
  };
}
