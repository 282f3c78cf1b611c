/**
 * `npm run bench:series-modes` (issue 16): which way of pairing a series' frames (`reference`,
 * `consecutive`, `rcc`) is most accurate on realistic data, the evidence for the default
 * (SERIES_DEFAULTS) and for docs/accuracy.md, *Series drift*.
 *
 * Data: frames cut from a real image (the camera of scikit-image's data, BBBC022 U2OS nuclei) or
 * from the frames of a real time series (`migration`: a nuclei time-lapse, 48 x 130², its frame k
 * for frame k; its own drift is almost nil, the truth is the drift added here; `migration-frame0`:
 * its frame 0 alone, the same nuclei not moving),
 * the window fixed and the content moved under it by a smooth random walk (velocities that wander,
 * scaled to at most `side / 16` px: content enters and leaves at every border), each frame
 * Fourier-shifted from the same canvas, then Gaussian noise of 3 % of the canvas' range, then
 * rounded to uint16 (what a camera writes). Every method gets the same uint16 frames.
 *
 * Methods: Met-db's library (`seriesDrift`: the pipeline's tile registration, upsample 100) and
 * Met-db's pipeline (`runFolder` on the stack as one multi-page file, `metdb.json` `series`: the
 * tiles through `registerTile`, the series solve of the job's aggregation) in each mode (rcc:
 * window 10); scikit-image's `phase_cross_correlation` pair by pair (each frame against frame 0,
 * and frame to frame summed), a re-implementation of PYME's image RCC (window 10) and StackReg's
 * TRANSLATION mode (pystackreg, reference 'previous' and 'first', when importable: put it on
 * PYTHONPATH), all from bench/python/series_modes_peers.py through /usr/bin/python3. Error: per frame, the distance
 * between the solved and the true drift, pixels; max and RMS over the frames.
 *
 * As-is: the `migration` time-lapse unchanged (no drift added, no noise), Met-db's pipeline with
 * the default series settings against StackReg and scikit-image: per frame, the distance between
 * the trajectories (issue 16: within 0.5 px of StackReg's translation result), and StackReg's two
 * references against each other; on the whole series and on its first 10 frames (where every frame
 * still shares most of its nuclei with frame 0).
 *
 * Environment: METDB_SERIES_CASES (default `10x256,100x256,1000x128,48x100`: frames x side; a
 * source that has too few frames or too small a canvas for a case skips it),
 * METDB_SERIES_SOURCES (default `camera,nuclei,migration`), METDB_SERIES_PIPELINE=0 skips the
 * pipeline, METDB_SERIES_PEERS=0 skips Python, METDB_SERIES_ASIS=0 skips the as-is comparison.
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
  migration: 'samples/sources/cancer_cell_migration_crop.tif',
  // The control: the time-lapse's frame 0 alone (the same nuclei, not moving).
  'migration-frame0': 'samples/sources/cancer_cell_migration_crop.tif',
};
const PEERS = ['skimage-reference', 'skimage-consecutive', 'pyme-rcc', 'stackreg-previous', 'stackreg-first'];
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

/** Why `source` (an image, or a time series: t, y, x) cannot give `frames` x `side`², or undefined. */
function unfit(source: NdArray, frames: number, side: number): string | undefined {
  const canvasSide = side + 2 * (Math.ceil(side / 16) + 8);
  const [height, width] = source.shape.slice(-2) as [number, number];
  if (height < canvasSide || width < canvasSide)
    return `a canvas of ${canvasSide}² is larger than the source`;
  if (source.shape.length === 3 && source.shape[0]! < frames)
    return `the source has ${source.shape[0]} frames`;
  return undefined;
}

function makeSeries(source: NdArray, frames: number, side: number, seed: number): Series {
  const amplitude = side / 16;
  const margin = Math.ceil(amplitude) + 8;
  const canvasSide = side + 2 * margin;
  const [height, width] = source.shape.slice(-2) as [number, number];
  const why = unfit(source, frames, side);
  if (why !== undefined) throw new Error(why);
  // The central canvasSide² of the source (of its frame k for a time series), scaled to
  // 1000..51000 over all frames (uint16 with room for the noise).
  const y0 = Math.floor((height - canvasSide) / 2);
  const x0 = Math.floor((width - canvasSide) / 2);
  const canvases = Array.from({ length: source.shape.length === 3 ? frames : 1 }, (_, k) => {
    const canvas = new Float64Array(canvasSide * canvasSide);
    const offset = k * height * width;
    for (let y = 0; y < canvasSide; y++)
      for (let x = 0; x < canvasSide; x++)
        canvas[y * canvasSide + x] = source.data[offset + (y0 + y) * width + x0 + x]!;
    return canvas;
  });
  let [lo, hi] = [Infinity, -Infinity];
  for (const canvas of canvases) for (const v of canvas) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  for (const canvas of canvases)
    for (let i = 0; i < canvas.length; i++) canvas[i] = 1000 + (50_000 * (canvas[i]! - lo)) / (hi - lo);
  const truth = randomWalk(frames, amplitude, seed);
  const gauss = seededGaussian(seed + 100);
  const sigma = NOISE * 50_000;
  const data = new Uint16Array(frames * side * side);
  truth.forEach((d, k) => {
    const image = { data: canvases[Math.min(k, canvases.length - 1)]!, shape: [canvasSide, canvasSide] };
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

const cases = (process.env.METDB_SERIES_CASES ?? '10x256,100x256,1000x128,48x100').split(',').map((c) => {
  const [frames, side] = c.split('x').map(Number) as [number, number];
  return { frames, side };
});
const sources = (process.env.METDB_SERIES_SOURCES ?? 'camera,nuclei,migration').split(',');
const withAsIs = process.env.METDB_SERIES_ASIS !== '0' && sources.includes('migration');
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
      const file = (await readImageFile(join(repoRoot(), SOURCES[name]!))).array;
      const [height, width] = file.shape.slice(-2) as [number, number];
      const source = name.endsWith('-frame0')
        ? { data: file.data.slice(0, height * width), shape: [height, width] }
        : file;
      const why = unfit(source, frames, side);
      if (why !== undefined) {
        console.log(`  ${name}, ${frames} x ${side}² skipped: ${why}`);
        continue;
      }
      const series = makeSeries(source, frames, side, 11 + s);
      const label = `${name}, ${frames} x ${side}²`;
      const plane = side * side;
      const asFloat = Array.from({ length: frames }, (_, k) => ({
        data: Float32Array.from(series.stack.data.subarray(k * plane, (k + 1) * plane)),
        shape: [side, side],
      }));
      for (const mode of SERIES_MODES) {
        let solved: [ReturnType<typeof seriesDrift>, number];
        try {
          solved = cpuSeconds(() => seriesDrift(asFloat, { mode, rccWindow: WINDOW }));
        } catch (error) {
          console.log(`  library ${mode}: not solved: ${(error as Error).message}`);
          continue;
        }
        const [result, cpu] = solved;
        report({ case: label, method: `library ${mode}`, ...errors(result.drift, series.truth), cpu });
        const low = result.verdict.frames.filter((f) => f.quality !== 'good');
        const why = [...new Set(low.map((f) => f.reasons[0]!.split(':')[0]))].join(', ');
        console.log(
          `  library ${mode}: series ${result.verdict.series.quality}, ${low.length} of ${frames} frames low${why ? ` (${why})` : ''}`,
        );
      }
      let pipelineRcc: number[][] | undefined;
      if (withPipeline) {
        for (const mode of SERIES_MODES) {
          const { drift, cpu, verdict } = await pipelineDrift(series.stack, mode);
          report({ case: label, method: `pipeline ${mode}`, ...errors(drift, series.truth), cpu });
          console.log(`  pipeline ${mode}: ${verdict}`);
          if (mode === 'rcc') pipelineRcc = drift;
        }
      }
      if (withPeers) {
        const peers = runPeers(series.stack, PEERS);
        for (const m of PEERS) {
          const p = peers?.[m];
          if (p !== undefined)
            report({ case: label, method: m, ...errors(p.drift, series.truth), cpu: p.cpuSeconds });
        }
        // Not an error against the truth: how far the pipeline's rcc trajectory is from StackReg's.
        for (const m of PEERS.filter((x) => x.startsWith('stackreg-'))) {
          const p = peers?.[m];
          if (p !== undefined && pipelineRcc !== undefined)
            report({
              case: label,
              method: `pipeline rcc vs ${m} (distance)`,
              ...errors(pipelineRcc, p.drift),
              cpu: 0,
            });
        }
      }
    }
  }
  if (withAsIs) for (const first of [10, 48]) await asIs(first);
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(tmpdir(), 'metdb-series-modes.json'), JSON.stringify(rows, null, 1));

type PeerResults = Record<string, { drift: number[][]; cpuSeconds: number } | undefined>;

/** The Python peers on the frames of `stack` (t, y, x); undefined when Python failed. */
function runPeers(stack: NdArray<Uint16Array>, methods: readonly string[]): PeerResults | undefined {
  const [frames, height, width] = stack.shape as [number, number, number];
  const path = join(work, 'frames.f32');
  writeFileSync(path, Float32Array.from(stack.data));
  const run = spawnSync(
    'nice',
    [
      '/usr/bin/python3',
      join(repoRoot(), 'bench/python/series_modes_peers.py'),
      path,
      String(frames),
      String(height),
      String(width),
      '100',
      String(WINDOW),
      methods.join(','),
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  if (run.status !== 0) {
    console.log(`  peers not run: ${run.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as PeerResults & { unavailable?: string[] };
  if (out.unavailable?.length) console.log(`  not importable, left out: ${out.unavailable.join(', ')}`);
  return out;
}

/**
 * The `migration` time-lapse as it is (its own small drift, its cells moving): Met-db's pipeline
 * with the default series settings against StackReg and scikit-image, frame by frame.
 */
async function asIs(first: number): Promise<void> {
  const whole = (await readImageFile(join(repoRoot(), SOURCES.migration!))).array as NdArray<Uint16Array>;
  const frames = Math.min(first, whole.shape[0]!);
  const plane = whole.shape[1]! * whole.shape[2]!;
  const stack = {
    data: whole.data.slice(0, frames * plane),
    shape: [frames, whole.shape[1]!, whole.shape[2]!],
  };
  const label = `migration as-is, ${frames} x ${stack.shape[1]}²`;
  const metdb = await pipelineDrift(stack, undefined);
  console.log(`Met-db's verdict: ${metdb.verdict}`);
  const extent = (d: number[][]) => Math.max(...d.map((v) => Math.hypot(v[0]!, v[1]!)));
  console.log('');
  console.log(`${label}: Met-db pipeline (default series settings) against each peer`);
  console.log(
    `Met-db's trajectory: at most ${extent(metdb.drift).toFixed(3)} px from frame 0; CPU ${metdb.cpu.toFixed(1)} s`,
  );
  console.log(
    '| peer | peer at most px from frame 0 | max distance to Met-db px | RMS distance px | CPU s |',
  );
  console.log('|---|---|---|---|---|');
  const methods = ['stackreg-previous', 'stackreg-first', 'skimage-reference'];
  const peers = withPeers ? runPeers(stack, methods) : undefined;
  for (const m of methods) {
    const p = peers?.[m];
    if (p === undefined) continue;
    const d = errors(metdb.drift, p.drift);
    rows.push({ case: label, method: `Met-db vs ${m}`, ...d, cpu: p.cpuSeconds });
    console.log(
      `| ${m} | ${extent(p.drift).toFixed(3)} | ${d.max.toFixed(3)} | ${d.rms.toFixed(3)} | ${p.cpuSeconds.toFixed(1)} |`,
    );
  }
  const [previous, reference] = [peers?.['stackreg-previous'], peers?.['stackreg-first']];
  if (previous !== undefined && reference !== undefined) {
    const d = errors(previous.drift, reference.drift);
    console.log(
      `StackReg 'previous' against StackReg 'first': max ${d.max.toFixed(3)} px, RMS ${d.rms.toFixed(3)} px`,
    );
  }
  writeFileSync(
    join(tmpdir(), `metdb-series-asis-${frames}.json`),
    JSON.stringify({ metdb: metdb.drift, ...Object.fromEntries(methods.map((m) => [m, peers?.[m]?.drift])) }),
  );
}

/** `runFolder` on `stack` as one multi-page file; `mode` undefined: the default series settings. */
async function pipelineDrift(
  stack: NdArray<Uint16Array>,
  mode: SeriesMode | undefined,
): Promise<{ drift: number[][]; cpu: number; verdict: string }> {
  const folder = join(work, `run-${mode ?? 'default'}-${Date.now()}`);
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'stack.tif'),
    encodeTiff(stack, { description: JSON.stringify({ shape: stack.shape }) }),
  );
  writeFileSync(
    join(folder, 'metdb.json'),
    JSON.stringify(mode === undefined ? {} : { series: mode, rccWindow: WINDOW }),
  );
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
  const drift = Array.from({ length: stack.shape[0]! }, (_, f) => {
    const r = summary.results.find((x) => x.frame === f);
    return r?.shift == null ? [Number.NaN, Number.NaN] : r.shift.map((v) => -v);
  });
  rmSync(folder, { recursive: true, force: true });
  const series = summary.series[0];
  const low = series?.quality.filter((q) => q !== 'good').length ?? 0;
  const verdict = `series ${series?.verdict?.quality ?? series?.state ?? 'missing'}, ${low} of ${series?.frames ?? 0} frames low${series?.verdict?.reasons.length ? ` (${series.verdict.reasons.join('; ')})` : ''}`;
  // Workers are threads of this process: their CPU counts in process.cpuUsage.
  return { drift, cpu: (used.user + used.system) / 1e6, verdict };
}
