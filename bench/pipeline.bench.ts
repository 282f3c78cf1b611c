/**
 * Pipeline throughput (`npm run build && node dist/bench/pipeline.bench.js`): `runFolder` on a
 * tile-heavy input (the 8 frames of the demo series, 128 px tiles (METDB_BENCH_TILE), upsample 100: 196 tiles) with 1
 * and 2 worker threads, against the pure registration time of the same tiles (decode once, cut
 * the regions, `registerTile` with the same parameters, one thread, no IO, no database, no bus).
 *
 * Reports tiles/s per worker count, the 2-worker speed-up, and the pipeline overhead: (time of the
 * 1-worker run - pure registration time) / pure registration time. The run time excludes the
 * registered images and the average (outputs), but includes ingest, planning, the database,
 * the bus, aggregation (whole-image NCC) and the report.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import { runFolder } from '../shared/local/run-folder.js';
import { connectDatabase } from '../shared/records/open-database.js';
import { resolveJobParams, tileParamsOf } from '../shared/pipeline/dataset-settings.js';
import { registerTileParams } from '../shared/pipeline/register-tile-from-message.js';
import { extractRegion } from '../shared/tiling/extract-region.js';
import { planTiles } from '../shared/tiling/plan-tiles.js';
import { registerTile } from '../shared/tiling/register-tile.js';
import { repoRoot } from './repo-root.js';

const FRAMES = Array.from({ length: 8 }, (_, k) => `frame_0${k}.tif`);
const SETTINGS = {
  reference: 'frame_00.tif',
  tileSize: Number(process.env['METDB_BENCH_TILE'] ?? 128),
  upsampleFactor: 100,
};
const series = join(repoRoot(), 'samples', 'series');
const work = mkdtempSync(join(tmpdir(), 'metdb-bench-'));

try {
  const folder = join(work, 'bench');
  mkdirSync(folder);
  for (const f of FRAMES) copyFileSync(join(series, f), join(folder, f));
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify(SETTINGS));

  const pure = await pureRegistration(folder);
  console.log(
    `pure registration: ${pure.tiles} tiles in ${pure.ms.toFixed(0)} ms = ${((1000 * pure.tiles) / pure.ms).toFixed(1)} tiles/s (1 thread)`,
  );

  const runs: Record<number, { ms: number; tiles: number; tileMs: number }> = {};
  for (const workers of [1, 2]) {
    const out = join(work, `out-${workers}`);
    const t0 = performance.now();
    let firstTile = 0;
    let lastTile = 0;
    const s = await runFolder(folder, {
      out,
      workers,
      average: false,
      registeredImages: false,
      logLevel: 'error',
      onProgress: (p) => {
        if (p.tilesTotal > 0 && firstTile === 0) firstTile = performance.now();
        if (p.tilesDone > 0 && p.tilesDone === p.tilesTotal) lastTile = performance.now();
      },
    });
    const ms = performance.now() - t0;
    const tileMs = lastTile - firstTile;
    const handle = await connectDatabase({ kind: 'sqlite', path: join(out, 'metdb.sqlite') });
    const inTiles = await handle.db
      .selectFrom('tile_results')
      .select((eb) => eb.fn.sum<number>('duration_ms').as('ms'))
      .executeTakeFirst();
    await handle.close();
    runs[workers] = { ms, tiles: s.tiles, tileMs };
    console.log(
      `runFolder, ${workers} worker(s): ${s.tiles} tiles; end to end ${ms.toFixed(0)} ms = ${((1000 * s.tiles) / ms).toFixed(1)} tiles/s; ` +
        `tile phase (first tile published to last tile recorded) ${tileMs.toFixed(0)} ms = ${((1000 * s.tiles) / tileMs).toFixed(1)} tiles/s; time inside registerTileFromMessage (sum over tiles) ${Number(inTiles?.ms ?? 0).toFixed(0)} ms; ${s.registered} registered`,
    );
  }
  const one = runs[1]!;
  const two = runs[2]!;
  console.log(
    `speed-up 2 vs 1 worker: end to end ${(one.ms / two.ms).toFixed(2)}x, tile phase ${(one.tileMs / two.tileMs).toFixed(2)}x (cores available: ${availableParallelism()})`,
  );
  console.log(
    `pipeline overhead over pure registration (1 worker): end to end ${((100 * (one.ms - pure.ms)) / pure.ms).toFixed(1)} %, tile phase ${((100 * (one.tileMs - pure.ms)) / pure.ms).toFixed(1)} %`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The same tiles registered directly: decode, cut, `registerTile`, one thread. */
async function pureRegistration(folder: string): Promise<{ tiles: number; ms: number }> {
  const images = await Promise.all(FRAMES.map(async (f) => (await readImageFile(join(folder, f))).array));
  const params = resolveJobParams(2, SETTINGS);
  const tileParams = registerTileParams(tileParamsOf(params));
  const reference = images[0]!;
  const tiles = planTiles(reference.shape, { tileSize: params.tileSize, overlap: params.tileOverlap });
  const t0 = performance.now();
  let count = 0;
  for (const moving of images.slice(1)) {
    for (const t of tiles) {
      registerTile(extractRegion(reference, t), extractRegion(moving, t), tileParams);
      count++;
    }
  }
  return { tiles: count, ms: performance.now() - t0 };
}
