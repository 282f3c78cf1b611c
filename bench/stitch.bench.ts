/**
 * Stitching benchmark (`npm run bench:stitch`): mosaics cut from real texture at known positions,
 * written as TIFF tiles with a Fiji TileConfiguration of their nominal positions, then stitched by
 * `metdb stitch`'s use case (read, register, solve, fuse, write). Prints the time of each step and
 * the position errors against the truth (after removing the frame offset).
 *
 *   grid10      10 x 10 tiles of 1024 x 1024, 10 % overlap, stage errors up to 20 px, noise 1 %
 *   repetitive  5 x 5 tiles of 512 x 512, 50 % overlap, a repeating pattern (period 48 px) over
 *               faint real texture, nominal positions off by up to 80 px per tile
 *
 * Options: --scenario grid10|repetitive|all (default all), --keep (leave the tiles in the temp folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stitchFolder } from '../local/stitch-folder.js';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { phaseCrossCorrelation } from '../shared/registration/phase-cross-correlation.js';
import { formatTileConfiguration } from '../shared/stitching/format-tile-configuration.js';
import { overlapNcc } from '../shared/stitching/overlap-ncc.js';
import { neighbourPairs } from '../shared/stitching/neighbour-pairs.js';
import { patchworkRegion, type Patchwork } from './real-patchwork.js';
import { repoRoot } from './repo-root.js';
import { seededGaussian, seededUniform } from '../shared/random/seeded.js';

interface Scenario {
  readonly name: string;
  readonly rows: number;
  readonly columns: number;
  readonly size: number;
  readonly overlap: number;
  /** Largest stage error of a tile (true minus nominal), pixels, uniform per axis. */
  readonly stageError: number;
  readonly noise: number;
  readonly margin?: number;
  readonly repetitive: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'grid10',
    rows: 10,
    columns: 10,
    size: 1024,
    overlap: 0.1,
    stageError: 20,
    noise: 400,
    repetitive: false,
  },
  {
    name: 'repetitive',
    rows: 5,
    columns: 5,
    size: 512,
    overlap: 0.5,
    stageError: 80,
    noise: 300,
    margin: 170,
    repetitive: true,
  },
];

const { values } = parseArgs({
  options: { scenario: { type: 'string', default: 'all' }, keep: { type: 'boolean', default: false } },
});
const root = repoRoot();
const sources = await Promise.all(
  [
    'test/fixtures/images/cell_u16.tif',
    'samples/sources/bbbc022_hoechst.tif',
    'samples/u2os/reference.tif',
  ].map(async (f) => (await readImageFile(join(root, f))).array),
);
for (const scenario of SCENARIOS.filter((s) => values.scenario === 'all' || values.scenario === s.name)) {
  await run(scenario, sources, values.keep);
}

async function run(s: Scenario, sources: readonly NdArray[], keep: boolean): Promise<void> {
  const random = seededUniform(42);
  const step = Math.round(s.size * (1 - s.overlap));
  const pad = s.stageError + 8;
  const nominal: { name: string; x: number; y: number }[] = [];
  const truth: { x: number; y: number }[] = [];
  for (let r = 0; r < s.rows; r++) {
    for (let c = 0; c < s.columns; c++) {
      const name = `tile_r${String(r).padStart(2, '0')}_c${String(c).padStart(2, '0')}.tif`;
      nominal.push({ name, x: c * step, y: r * step });
      truth.push({
        x: pad + c * step + Math.round((2 * random() - 1) * s.stageError),
        y: pad + r * step + Math.round((2 * random() - 1) * s.stageError),
      });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `metdb-stitch-bench-${s.name}-`));
  const t0 = performance.now();
  const patchwork: Patchwork = { sources, seed: 3 };
  const tiles = truth.map((t, k) => {
    const region = s.repetitive
      ? repetitiveRegion(patchwork, t.x, t.y, s.size)
      : patchworkRegion(patchwork, t.x, t.y, s.size, s.size);
    const data = new Uint16Array(region.length);
    const gauss = seededGaussian(seededUniform(1000 + k));
    for (let i = 0; i < region.length; i++)
      data[i] = Math.max(0, Math.min(65535, Math.round(region[i]! + s.noise * gauss())));
    writeFileSync(join(dir, nominal[k]!.name), encodeTiff({ data, shape: [s.size, s.size] }));
    return { data, shape: [s.size, s.size] };
  });
  writeFileSync(join(dir, 'TileConfiguration.txt'), formatTileConfiguration({ tiles: nominal }));
  const made = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const { result, seconds } = await stitchFolder({
    dir,
    layout: { kind: 'file', path: join(dir, 'TileConfiguration.txt') },
    out: join(dir, 'out'),
    ...(s.margin === undefined ? {} : { margin: s.margin }),
  });
  const total = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);

  const ox = mean(truth.map((t, k) => t.x - result.tiles[k]!.x));
  const oy = mean(truth.map((t, k) => t.y - result.tiles[k]!.y));
  const errors = result.tiles.map((t, k) => Math.hypot(t.x + ox - truth[k]!.x, t.y + oy - truth[k]!.y));
  const nominalOx = mean(truth.map((t, k) => t.x - nominal[k]!.x));
  const nominalOy = mean(truth.map((t, k) => t.y - nominal[k]!.y));
  const nominalErrors = nominal.map((t, k) =>
    Math.hypot(t.x + nominalOx - truth[k]!.x, t.y + nominalOy - truth[k]!.y),
  );
  // The issue's consistency figure: mean NCC over every overlap the positions imply (none: 0).
  const pairs = neighbourPairs(
    truth.map((t, k) => ({ name: nominal[k]!.name, ...t })),
    s.size,
    s.size,
  );
  const nccOf = (pos: readonly { x: number; y: number }[]) =>
    mean(
      pairs
        .map((p) =>
          overlapNcc(
            tiles[p.i]!,
            tiles[p.j]!,
            Math.round(pos[p.j]!.x - pos[p.i]!.x),
            Math.round(pos[p.j]!.y - pos[p.i]!.y),
          ),
        )
        .map((v) => (Number.isFinite(v) ? v : 0)),
    );
  const accepted = result.edges.filter((e) => e.status === 'accepted').length;
  // Edges right to 1 px: ours, and whole-tile phase correlation unwrapped to the nearest nominal
  // offset (what registering two neighbours with \`metdb register\` gave, unwrapped by hand).
  const right = (i: number, j: number, dx: number, dy: number) =>
    Math.hypot(dx - (truth[j]!.x - truth[i]!.x), dy - (truth[j]!.y - truth[i]!.y)) <= 1;
  const oursRight = result.edges.filter((e) => right(e.i, e.j, e.dx, e.dy)).length;
  const wholeRight = result.edges.filter((e) => {
    const [sy, sx] = phaseCrossCorrelation(tiles[e.i]!, tiles[e.j]!).shift as [number, number];
    const unwrap = (v: number, nominal: number) => v + s.size * Math.round((nominal - v) / s.size);
    return right(e.i, e.j, unwrap(sx, e.nominalDx), unwrap(sy, e.nominalDy));
  }).length;
  console.log(
    `\n${s.name}: ${s.rows}x${s.columns} tiles of ${s.size}², ${s.overlap * 100}% overlap, stage errors up to ${s.stageError} px, noise sigma ${s.noise}${s.repetitive ? ', repetitive content' : ''}`,
  );
  console.log(`  tiles written in ${made.toFixed(1)} s to ${dir}`);
  console.log(
    `  stitch ${total.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU: ${Object.entries(
      seconds,
    )
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
  );
  console.log(
    `  edges ${result.edges.length}, accepted ${accepted}, NCC threshold ${result.threshold.threshold.toFixed(3)}, tiles at stage position ${result.tiles.filter((t) => t.status === 'stage').length}`,
  );
  console.log(
    `  edges within 1 px of the truth: ${oursRight} of ${result.edges.length}; whole-tile phase correlation, unwrapped: ${wholeRight}`,
  );
  console.log(
    `  position error px: max ${Math.max(...errors).toFixed(3)}, rms ${Math.sqrt(mean(errors.map((e) => e * e))).toFixed(3)} (nominal layout: max ${Math.max(...nominalErrors).toFixed(1)})`,
  );
  console.log(
    `  mean NCC over the overlaps: truth ${nccOf(truth).toFixed(4)}, stitched ${nccOf(result.tiles).toFixed(4)}, nominal ${nccOf(nominal).toFixed(4)}`,
  );
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

/** A 48-px periodic pattern (a crop of a real image, repeated) over faint real texture. */
function repetitiveRegion(p: Patchwork, x0: number, y0: number, size: number): Float32Array {
  const faint = patchworkRegion(p, x0, y0, size, size);
  const cell = p.sources[0]!;
  const cw = cell.shape[1]!;
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const motif = cell.data[(200 + ((y + y0) % 48)) * cw + 200 + ((x + x0) % 48)]!;
      out[y * size + x] = 0.8 * motif + 0.15 * faint[y * size + x]!;
    }
  }
  return out;
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
