/**
 * Pipeline throughput (`npm run build && node dist/bench/pipeline.bench.js`): `runFolder` on a
 * tile-heavy input generated at bench time (scripts/make-bench-series.ts: METDB_BENCH_FRAMES
 * frames of METDB_BENCH_SIZE² uint16, default 5 of 2048², registered in METDB_BENCH_TILE px tiles,
 * default 128, overlap 0.25, the other parameters at their defaults: 441 tiles per moving frame)
 * with 1 and 2 worker threads, METDB_BENCH_REPEAT times each (default 3, alternating), medians.
 *
 * Definitions:
 * - pure registration time: the same tiles registered on one thread with the images already
 *   decoded and nothing else: each reference tile prepared once (`prepareReferenceTile`, as the
 *   pipeline's workers do), then, per moving frame, the region cut and `registerTile`. No IO,
 *   no database, no bus, no ingest, no aggregation.
 * - pipeline wall time: `runFolder` from call to return (worker start, ingest of every file:
 *   hash, decode, canonical copy, planning; tiles; aggregation with whole-image NCC; the results,
 *   shifts.csv/json and report.html), without the registered images and the average.
 * - tiles/s = tiles / pipeline wall time; speed-up = tiles/s with 2 workers / tiles/s with 1.
 * - overhead = (pipeline wall time with 1 worker - pure time) / pure time.
 * The machine's load average (1 min) is printed before each run: other processes share the cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBenchSeries } from '../scripts/make-bench-series.js';
import type { NdArray } from '../shared/imaging/ndarray.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { runFolder, type RunSummary } from '../shared/local/run-folder.js';
import { resolveJobParams, tileParamsOf } from '../shared/pipeline/dataset-settings.js';
import { registerTileParams } from '../shared/pipeline/register-tile-from-message.js';
import { extractRegion } from '../shared/tiling/extract-region.js';
import { planTiles } from '../shared/tiling/plan-tiles.js';
import { prepareReferenceTile, registerTile } from '../shared/tiling/register-tile.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const FRAMES = env('METDB_BENCH_FRAMES', 5);
const SIZE = env('METDB_BENCH_SIZE', 2048);
const REPEAT = Math.max(1, env('METDB_BENCH_REPEAT', 3));
const SETTINGS = { tileSize: env('METDB_BENCH_TILE', 128) };
const TARGET_SPEEDUP = 1.7;
const TARGET_OVERHEAD = 15;

const work = mkdtempSync(join(tmpdir(), 'metdb-bench-'));
try {
  const folder = join(work, 'bench');
  const series = await makeBenchSeries(folder, { frames: FRAMES, size: SIZE, settings: SETTINGS });
  console.log(
    `input: ${FRAMES} frames ${SIZE}x${SIZE} uint16, tile ${SETTINGS.tileSize} px; cores: ${availableParallelism()}`,
  );

  const images = await Promise.all(
    series.files.map(async (f) => (await readImageFile(join(folder, f))).array),
  );
  const pureRuns: number[] = [];
  let pureTiles = 0;
  for (let r = 0; r < REPEAT; r++) {
    const pure = pureRegistration(images);
    pureRuns.push(pure.ms);
    pureTiles = pure.tiles;
    console.log(
      `pure registration #${r + 1}: ${pure.tiles} tiles in ${pure.ms.toFixed(0)} ms (load ${load()})`,
    );
  }

  const runs: Record<number, { ms: number[]; tiles: number }> = {
    1: { ms: [], tiles: 0 },
    2: { ms: [], tiles: 0 },
  };
  for (let r = 0; r < REPEAT; r++) {
    for (const workers of [1, 2]) {
      const out = join(work, `out-${workers}-${r}`);
      const before = load();
      const t0 = performance.now();
      const s = await runFolder(folder, {
        out,
        workers,
        average: false,
        registeredImages: false,
        logLevel: 'error',
      });
      const ms = performance.now() - t0;
      runs[workers]!.ms.push(ms);
      runs[workers]!.tiles = s.tiles;
      console.log(
        `runFolder #${r + 1}, ${workers} worker(s): ${s.tiles} tiles in ${ms.toFixed(0)} ms = ${rate(s.tiles, ms)} tiles/s; ` +
          `${s.registered} registered, max error ${maxError(s, series.truth).toFixed(3)} px (load ${before})`,
      );
      rmSync(out, { recursive: true, force: true });
    }
  }

  const pure = median(pureRuns);
  const one = median(runs[1]!.ms);
  const two = median(runs[2]!.ms);
  const tiles1 = (1000 * runs[1]!.tiles) / one;
  const tiles2 = (1000 * runs[2]!.tiles) / two;
  const speedup = tiles2 / tiles1;
  const overhead = (100 * (one - pure)) / pure;
  console.log(`\nmedians of ${REPEAT} runs (load average now ${load()}, ${availableParallelism()} cores)`);
  console.table([
    {
      figure: 'pure registration, 1 thread',
      value: `${pure.toFixed(0)} ms = ${rate(pureTiles, pure)} tiles/s`,
      target: '',
      met: '',
    },
    {
      figure: 'runFolder, 1 worker',
      value: `${one.toFixed(0)} ms = ${tiles1.toFixed(1)} tiles/s`,
      target: '',
      met: '',
    },
    {
      figure: 'runFolder, 2 workers',
      value: `${two.toFixed(0)} ms = ${tiles2.toFixed(1)} tiles/s`,
      target: '',
      met: '',
    },
    {
      figure: 'speed-up 2 vs 1 worker',
      value: `${speedup.toFixed(2)}x`,
      target: `>= ${TARGET_SPEEDUP}x`,
      met: speedup >= TARGET_SPEEDUP ? 'yes' : 'NO',
    },
    {
      figure: 'overhead over pure (1 worker)',
      value: `${overhead.toFixed(1)} %`,
      target: `< ${TARGET_OVERHEAD} %`,
      met: overhead < TARGET_OVERHEAD ? 'yes' : 'NO',
    },
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The same tiles registered directly on this thread: reference tiles prepared once, then each moving tile. */
function pureRegistration(images: NdArray[]): { tiles: number; ms: number } {
  const params = resolveJobParams(2, SETTINGS);
  const tileParams = registerTileParams(tileParamsOf(params));
  const reference = images[0]!;
  const tiles = planTiles(reference.shape, { tileSize: params.tileSize, overlap: params.tileOverlap });
  const t0 = performance.now();
  let count = 0;
  for (const t of tiles) {
    const prepared = prepareReferenceTile(extractRegion(reference, t), tileParams);
    for (const moving of images.slice(1)) {
      registerTile(prepared, extractRegion(moving, t), tileParams);
      count++;
    }
  }
  return { tiles: count, ms: performance.now() - t0 };
}

/** Largest distance between a recovered shift and the truth, pixels (NaN if a frame has none). */
function maxError(s: RunSummary, truth: Record<string, [number, number]>): number {
  let worst = 0;
  for (const [file, expected] of Object.entries(truth)) {
    const shift = s.results.find((r) => r.file === file)?.shift;
    if (shift == null) return Number.NaN;
    worst = Math.max(worst, Math.hypot(shift[0]! - expected[0], shift[1]! - expected[1]));
  }
  return worst;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rate(tiles: number, ms: number): string {
  return ((1000 * tiles) / ms).toFixed(1);
}

function load(): string {
  return loadavg()[0]!.toFixed(2);
}
