/**
 * Pipeline throughput (`npm run build && node dist/bench/pipeline.bench.js`): `runFolder` on a
 * tile-heavy input generated at bench time (scripts/make-bench-series.ts: METDB_BENCH_FRAMES
 * frames of METDB_BENCH_SIZE² uint16, default 21 of 2048²: 8820 tiles, about 5 s of registration
 * on one thread, so that what a run costs once (worker start, the reference and the first moving
 * image ingested before any tile: 0.3-0.6 s here) weighs what it weighs on a real series; with
 * METDB_BENCH_FRAMES=5, the short run of earlier sessions, it is a third of the pure time),
 * registered with the demo's settings
 * (samples/series/metdb.json: 128 px tiles, overlap 0.25, upsample factor 100: 441 tiles per
 * moving frame; METDB_BENCH_TILE and METDB_BENCH_UPSAMPLE override them), with 1 and 2 worker
 * threads, METDB_BENCH_REPEAT times each (default 3, alternating), medians.
 *
 * Definitions:
 * - pure registration time: the same tiles registered on one thread with the images already
 *   decoded and nothing else: each moving frame's predicted shift (`predictShift`, the coarse
 *   stage; once per frame, the frames shared out among the threads), each reference tile
 *   prepared once (`prepareReferenceTile`, as the pipeline's workers do), then, per moving
 *   frame, the region cut at the predicted offset into a reused buffer and `registerTile`. No IO,
 *   no database, no bus, no ingest, no aggregation. The clock starts once every thread has
 *   started and decoded the images (worker start and decoding are not in it) and stops when the
 *   last thread is done; the JIT warm-up of each thread is in it, as it is in the pipeline.
 * - pipeline wall time: `runFolder` from call to return (worker start, ingest of every file:
 *   hash, decode, canonical copy, planning; tiles; aggregation with whole-image NCC; the results,
 *   shifts.csv/json and report.html), without the registered images and the average.
 * - tiles/s = tiles / pipeline wall time; speed-up = tiles/s with 2 workers / tiles/s with 1.
 * - overhead = (pipeline wall time with 1 worker - pure time) / pure time.
 * - each repeat runs, back to back: pure on 1 thread, runFolder with 1 and with 2 workers, pure
 *   on 2 threads and on 2 processes; the speed-up, overhead and ceiling are taken within each
 *   repeat, then their median (and range) reported: the speed of the virtual machines this runs
 *   on drifts by tens of percent within minutes, which ratios of medians measured minutes apart
 *   would mistake for the pipeline's.
 * - per-core speed-up (Linux, where `taskset` runs): runFolder with 2 workers (both cores) against
 *   runFolder with 1 worker in a child process confined to one core (`taskset -c 0`). With 1
 *   worker on 2 cores the run's main thread and V8's compiler and GC threads have the second
 *   core to themselves, and the speed-up above compares 2 workers with a run that already uses
 *   1.3-1.4 cores; this one compares what the whole pipeline does with 2 cores and with 1.
 * - also shown: the overhead over `registerTile` called per tile with the raw reference tile (the
 *   reference's spectrum recomputed for every moving frame), the literal "sum of registerTile".
 * - the machine's ceiling: the pure registration split over 2 threads (every other tile position
 *   each) against 1 thread. No pipeline can scale better than the registration itself. It is
 *   below 2 on 2 cores because each registering thread's isolate compiles its hot code on a
 *   helper thread, which one thread gets for free on the idle core and two must share the cores
 *   for, and because two vCPUs of a virtual machine can slow each other's memory accesses down;
 *   the same split over 2 processes (each its own V8) is shown beside it to tell that from
 *   anything threads of one process share.
 * - first tiles recorded: when the first unit of tiles was recorded (worker start, the reference
 *   and the first moving image ingested, one unit registered); last tile to return: the last
 *   job's aggregation and the outputs.
 * - cores used: the process's CPU time (all threads: workers, V8's GC and compiler helpers, the
 *   image decoder's threads) / wall time; CPU time (all threads) 1 worker vs pure: the same CPU
 *   times compared, a figure other processes on the machine barely change.
 * The machine's load average (1 min) is printed before each run: other processes share the cores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { makeBenchSeries } from '../scripts/make-bench-series.js';
import { sizeOf, type NdArray } from '../shared/ndarray/ndarray.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { runFolder, type RunSummary } from '../local/run-folder.js';
import { resolveJobParams, tileParamsOf } from '../shared/pipeline/dataset-settings.js';
import { registerTileParams } from '../shared/pipeline/register-tile-from-message.js';
import { extractRegion } from '../shared/tiling/extract-region.js';
import { planTiles } from '../shared/tiling/plan-tiles.js';
import { offsetRegion, predictShift } from '../shared/tiling/predict-shift.js';
import { prepareReferenceTile, registerTile } from '../shared/tiling/register-tile.js';
import { TileWorkspace } from '../shared/tiling/tile-workspace.js';
import { repoRoot } from './repo-root.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const TARGET_SPEEDUP = 1.7;
const TARGET_OVERHEAD = 15;

interface PureJob {
  readonly folder: string;
  readonly files: string[];
  readonly settings: Record<string, unknown>;
  /** Register the tile positions p with p % stride === offset. */
  readonly offset: number;
  readonly stride: number;
  /** Prepare each reference tile once and reuse it (as the pipeline does), or per tile. */
  readonly reuseReference: boolean;
}

if (!isMainThread) await pureWorker(parentPort!, workerData as PureJob);
else if (process.env.METDB_BENCH_PURE_CHILD !== undefined) await pureChild();
else if (process.env.METDB_BENCH_RUN_CHILD !== undefined) await runFolderChild();
else await main();

async function main(): Promise<void> {
  const demo = JSON.parse(readFileSync(join(repoRoot(), 'samples', 'series', 'metdb.json'), 'utf8')) as {
    tileSize: number;
    upsampleFactor: number;
  };
  const frames = env('METDB_BENCH_FRAMES', 21);
  const size = env('METDB_BENCH_SIZE', 2048);
  const repeat = Math.max(1, env('METDB_BENCH_REPEAT', 3));
  const settings = {
    tileSize: env('METDB_BENCH_TILE', demo.tileSize),
    upsampleFactor: env('METDB_BENCH_UPSAMPLE', demo.upsampleFactor),
  };
  const work = mkdtempSync(join(tmpdir(), 'metdb-bench-'));
  try {
    const folder = join(work, 'bench');
    const series = await makeBenchSeries(folder, { frames, size, settings });
    console.log(
      `input: ${frames} frames ${size}x${size} uint16, tile ${settings.tileSize} px, upsample ${settings.upsampleFactor}; ` +
        `cores: ${availableParallelism()}; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const job = { folder, files: series.files, settings };

    const samples = () => ({
      ms: [] as number[],
      cores: [] as number[],
      cpuMs: [] as number[],
      first: [] as number[],
      tail: [] as number[],
      tiles: 0,
    });
    const runs = { 1: samples(), 2: samples() };
    const runFolderSample = async (workers: 1 | 2, r: number): Promise<number> => {
      const out = join(work, `out-${workers}-${r}`);
      const before = load();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      // When the first tiles were recorded (worker start and ingest before it) and when the last.
      const phases = { first: Number.NaN, last: Number.NaN };
      const s = await runFolder(folder, {
        out,
        workers,
        average: false,
        registeredImages: false,
        logLevel: 'error',
        onProgress: (p) => {
          if (p.tilesDone > 0 && Number.isNaN(phases.first)) phases.first = performance.now() - t0;
          if (p.phase === 'outputs') phases.last = performance.now() - t0;
        },
      });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cores = (cpu.user + cpu.system) / 1000 / ms;
      runs[workers].ms.push(ms);
      runs[workers].cores.push(cores);
      runs[workers].cpuMs.push((cpu.user + cpu.system) / 1000);
      runs[workers].first.push(phases.first);
      runs[workers].tail.push(ms - phases.last);
      runs[workers].tiles = s.tiles;
      console.log(
        `  runFolder, ${workers} worker(s): ${s.tiles} tiles in ${ms.toFixed(0)} ms = ${rate(s.tiles, ms)} tiles/s, ` +
          `${cores.toFixed(2)} cores used; first tiles recorded at ${phases.first.toFixed(0)} ms, ` +
          `${(ms - phases.last).toFixed(0)} ms from the last tile to return; ` +
          `${s.registered} registered, max error ${maxError(s, series.truth).toFixed(3)} px (load ${before})`,
      );
      rmSync(out, { recursive: true, force: true });
      return ms;
    };

    // Each repeat measures everything side by side, and the ratios are taken within a repeat: the
    // speed of these virtual machines drifts by tens of percent from one minute to the next, which
    // ratios of medians taken minutes apart would fold into the result.
    const pure1: number[] = [];
    const pure1Cpu: number[] = [];
    const pure2: number[] = [];
    const pure2Processes: number[] = [];
    const literal: number[] = [];
    const ratios = {
      overhead: [] as number[],
      speedup: [] as number[],
      ceiling: [] as number[],
      cores: [] as number[],
    };
    // Linux's taskset, to run a 1-worker run on one core: its main thread and V8's helper threads
    // then share that core with the worker, as they share both cores in a 2-worker run.
    const pinnable = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
    const oneCore: number[] = [];
    let pureTiles = 0;
    for (let r = 0; r < repeat; r++) {
      console.log(`repeat ${r + 1} of ${repeat} (load ${load()})`);
      const one = await pureOnThreads(job, 1);
      console.log(
        `  pure registration, 1 thread: ${one.tiles} tiles, ${one.ms.toFixed(0)} ms (${one.cpuMs.toFixed(0)} ms CPU)`,
      );
      const rf1 = await runFolderSample(1, r);
      const rf2 = await runFolderSample(2, r);
      if (pinnable) {
        const pinned = await runFolderOnOneCore(folder, join(work, `out-pinned-${r}`));
        oneCore.push(pinned.ms);
        ratios.cores.push(pinned.ms / rf2);
        console.log(
          `  runFolder, 1 worker on 1 core (taskset -c 0): ${pinned.tiles} tiles in ${pinned.ms.toFixed(0)} ms = ` +
            `${rate(pinned.tiles, pinned.ms)} tiles/s`,
        );
      }
      const two = await pureOnThreads(job, 2);
      const twoProcesses = await pureOnProcesses(job, 2);
      const perTile = await pureOnThreads(job, 1, false);
      console.log(
        `  pure registration, 2 threads ${two.ms.toFixed(0)} ms, 2 processes ${twoProcesses.ms.toFixed(0)} ms; ` +
          `1 thread with the reference tile prepared per tile ${perTile.ms.toFixed(0)} ms`,
      );
      pure1.push(one.ms);
      pure1Cpu.push(one.cpuMs);
      pure2.push(two.ms);
      pure2Processes.push(twoProcesses.ms);
      literal.push(perTile.ms);
      pureTiles = one.tiles;
      ratios.overhead.push((100 * (rf1 - one.ms)) / one.ms);
      ratios.speedup.push(rf1 / rf2);
      ratios.ceiling.push(one.ms / two.ms);
    }

    const pure = median(pure1);
    const ceiling = median(ratios.ceiling);
    const ceilingProcesses = pure / median(pure2Processes);
    const pureCpu = median(pure1Cpu);
    const cpuOverhead = (100 * (median(runs[1].cpuMs) - pureCpu)) / pureCpu;
    const one = median(runs[1].ms);
    const two = median(runs[2].ms);
    const tiles1 = (1000 * runs[1].tiles) / one;
    const tiles2 = (1000 * runs[2].tiles) / two;
    const speedup = median(ratios.speedup);
    const overhead = median(ratios.overhead);
    const literalOverhead = (100 * (one - median(literal))) / median(literal);
    const range = (values: number[], digits: number) =>
      `${Math.min(...values).toFixed(digits)} to ${Math.max(...values).toFixed(digits)}`;
    console.log(
      `\nmedians of ${repeat} repeats, ratios taken within each repeat (load average now ${load()}, ${availableParallelism()} cores)`,
    );
    const row = (figure: string, value: string, target = '', met = '') => ({ figure, value, target, met });
    console.table([
      row('pure registration, 1 thread', `${pure.toFixed(0)} ms = ${rate(pureTiles, pure)} tiles/s`),
      row(
        'pure registration, 2 threads',
        `${median(pure2).toFixed(0)} ms: machine ceiling ${ceiling.toFixed(2)}x (${range(ratios.ceiling, 2)})`,
      ),
      row(
        'pure registration, 2 processes',
        `${median(pure2Processes).toFixed(0)} ms: ${ceilingProcesses.toFixed(2)}x`,
      ),
      row(
        'runFolder, 1 worker',
        `${one.toFixed(0)} ms = ${tiles1.toFixed(1)} tiles/s, ${median(runs[1].cores).toFixed(2)} cores`,
      ),
      row(
        'runFolder: first tiles recorded / last tile to return',
        `1 worker ${median(runs[1].first).toFixed(0)} / ${median(runs[1].tail).toFixed(0)} ms, ` +
          `2 workers ${median(runs[2].first).toFixed(0)} / ${median(runs[2].tail).toFixed(0)} ms`,
      ),
      row(
        'runFolder, 2 workers',
        `${two.toFixed(0)} ms = ${tiles2.toFixed(1)} tiles/s, ${median(runs[2].cores).toFixed(2)} cores`,
      ),
      row(
        'speed-up 2 vs 1 worker',
        `${speedup.toFixed(2)}x (${range(ratios.speedup, 2)}; ${((100 * speedup) / ceiling).toFixed(0)} % of the ceiling)`,
        `>= ${TARGET_SPEEDUP}x`,
        speedup >= TARGET_SPEEDUP ? 'yes' : 'NO',
      ),
      ...(pinnable
        ? [
            row(
              'runFolder, 1 worker on 1 core',
              `${median(oneCore).toFixed(0)} ms = ${rate(runs[1].tiles, median(oneCore))} tiles/s`,
            ),
            row(
              'speed-up 2 workers on 2 cores vs 1 worker on 1 core',
              `${median(ratios.cores).toFixed(2)}x (${range(ratios.cores, 2)})`,
            ),
          ]
        : []),
      row(
        'overhead over pure (1 worker)',
        `${overhead.toFixed(1)} % (${range(ratios.overhead, 1)})`,
        `< ${TARGET_OVERHEAD} %`,
        overhead < TARGET_OVERHEAD ? 'yes' : 'NO',
      ),
      row(
        'CPU time (all threads), 1 worker vs pure 1 thread',
        `${median(runs[1].cpuMs).toFixed(0)} vs ${pureCpu.toFixed(0)} ms: +${cpuOverhead.toFixed(1)} %`,
      ),
      row(
        'overhead over registerTile per tile',
        `${literalOverhead.toFixed(1)} % (pure ${median(literal).toFixed(0)} ms, reference not reused)`,
        `< ${TARGET_OVERHEAD} %`,
        literalOverhead < TARGET_OVERHEAD ? 'yes' : 'NO',
      ),
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The pure registration on `threads` worker threads, each taking every `threads`-th tile position:
 * the images are decoded first, the clock runs from the start signal to the last thread's end.
 */
async function pureOnThreads(
  job: Omit<PureJob, 'offset' | 'stride' | 'reuseReference'>,
  threads: number,
  reuseReference = true,
): Promise<{ tiles: number; ms: number; cpuMs: number }> {
  const workers = Array.from(
    { length: threads },
    (_, offset) =>
      new Worker(fileURLToPath(import.meta.url), {
        workerData: { ...job, offset, stride: threads, reuseReference } satisfies PureJob,
      }),
  );
  try {
    const message = (w: Worker) =>
      new Promise<unknown>((resolve, reject) => w.once('message', resolve).once('error', reject));
    await Promise.all(workers.map(message)); // decoded, ready
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const tiles = await runPure(workers, message, (w, m) => w.postMessage(m));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { tiles, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The same as `pureOnThreads` with `count` child processes instead of threads (each its own V8
 * and its own garbage-collection and compiler threads): what the machine gives two independent
 * programs, to tell the machine's limit from what threads of one process share.
 */
async function pureOnProcesses(
  job: Omit<PureJob, 'offset' | 'stride' | 'reuseReference'>,
  count: number,
): Promise<{ tiles: number; ms: number }> {
  const children = Array.from({ length: count }, (_, offset) =>
    fork(fileURLToPath(import.meta.url), [], {
      env: {
        ...process.env,
        METDB_BENCH_PURE_CHILD: JSON.stringify({ ...job, offset, stride: count, reuseReference: true }),
      },
    }),
  );
  try {
    const message = (c: ChildProcess) =>
      new Promise<unknown>((resolve, reject) => c.once('message', resolve).once('error', reject));
    await Promise.all(children.map(message)); // decoded, ready
    const t0 = performance.now();
    const tiles = await runPure(children, message, (c, m) => c.send(m));
    return { tiles, ms: performance.now() - t0 };
  } finally {
    for (const c of children) c.kill();
  }
}

/**
 * Runs decoded, ready pure-registration threads or processes: 'go', then each predicts its share
 * of the moving frames (the coarse stage, once per frame in all, as the pipeline's planner does),
 * the predictions are gathered and handed to all, and each registers its tiles. Returns the tiles.
 */
async function runPure<W>(
  workers: W[],
  message: (w: W) => Promise<unknown>,
  post: (w: W, value: 'go' | Record<number, number[]>) => void,
): Promise<number> {
  const predicted = workers.map(message);
  for (const w of workers) post(w, 'go');
  const offsets: Record<number, number[]> = {};
  for (const share of await Promise.all(predicted)) Object.assign(offsets, share);
  const done = workers.map(message);
  for (const w of workers) post(w, offsets);
  return (await Promise.all(done)).reduce<number>((sum, n) => sum + (n as number), 0);
}

/**
 * `runFolder` with 1 worker in a child process confined to core 0 (`taskset -c 0`, the child's
 * threads inherit it): the whole pipeline on one core, the base of the per-core speed-up.
 */
async function runFolderOnOneCore(folder: string, out: string): Promise<{ ms: number; tiles: number }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execPath: 'taskset',
    execArgv: ['-c', '0', process.execPath, ...process.execArgv],
    env: { ...process.env, METDB_BENCH_RUN_CHILD: JSON.stringify({ folder, out }) },
  });
  try {
    return await new Promise<{ ms: number; tiles: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { ms: number; tiles: number }));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the pinned runFolder child exited with ${code}`)));
    });
  } finally {
    child.kill();
    rmSync(out, { recursive: true, force: true });
  }
}

/** The child of `runFolderOnOneCore`: one timed run, reported over its IPC channel. */
async function runFolderChild(): Promise<void> {
  const { folder, out } = JSON.parse(process.env.METDB_BENCH_RUN_CHILD!) as { folder: string; out: string };
  const t0 = performance.now();
  const s = await runFolder(folder, {
    out,
    workers: 1,
    average: false,
    registeredImages: false,
    logLevel: 'error',
  });
  process.send!({ ms: performance.now() - t0, tiles: s.tiles });
  process.disconnect();
}

/** A pure-registration child process (`pureOnProcesses`): `pureWorker` over its IPC channel. */
async function pureChild(): Promise<void> {
  const job = JSON.parse(process.env.METDB_BENCH_PURE_CHILD!) as PureJob;
  const port = {
    once: (event: 'message', listener: (value: unknown) => void) => process.once(event, listener),
    postMessage: (value: unknown) => process.send!(value),
  };
  await pureWorker(port, job);
  process.disconnect();
}

/** A pure-registration thread or process: decode, say ready, register its share of the tiles on 'go'. */
async function pureWorker(
  port: {
    once(event: 'message', listener: (value: unknown) => void): unknown;
    postMessage(value: unknown): void;
  },
  job: PureJob,
): Promise<void> {
  const images: NdArray[] = [];
  for (const f of job.files) images.push((await readImageFile(join(job.folder, f))).array);
  const params = resolveJobParams(2, job.settings);
  const tileParams = registerTileParams(tileParamsOf(params));
  const reference = images[0]!;
  const tiles = planTiles(reference.shape, { tileSize: params.tileSize, overlap: params.tileOverlap });
  const next = () =>
    new Promise<unknown>((resolve) => {
      port.once('message', resolve);
    });
  const go = next();
  port.postMessage('ready');
  await go;
  let count = 0;
  const movingImages = images.slice(1);
  // The coarse stage: this thread's share of the moving frames (the pipeline's planner predicts
  // each pair once), then every frame's offset, gathered by the main thread.
  const mine: Record<number, number[]> = {};
  const workspace = new TileWorkspace(); // this thread's, as each pipeline worker has its own
  for (const [m, moving] of movingImages.entries()) {
    if (m % job.stride === job.offset) mine[m] = predictShift(reference, moving, workspace).offset;
  }
  const all = next();
  port.postMessage(mine);
  const offsets = (await all) as Record<number, number[]>;
  // The moving tiles are cut into one reused buffer, as the pipeline's workers do.
  const buffer = new (reference.data.constructor as new (n: number) => NdArray['data'])(
    sizeOf(tiles[0]!.size),
  );
  for (const [p, t] of tiles.entries()) {
    if (p % job.stride !== job.offset) continue;
    const region = extractRegion(reference, t);
    const prepared = job.reuseReference ? prepareReferenceTile(region, tileParams, workspace) : undefined;
    for (const [m, moving] of movingImages.entries()) {
      registerTile(
        prepared ?? region,
        extractRegion(moving, offsetRegion(t, offsets[m]!, moving.shape), buffer),
        tileParams,
        workspace,
      );
      count++;
    }
  }
  port.postMessage(count);
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
