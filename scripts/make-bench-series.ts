/**
 * A tile-heavy series for the pipeline benchmark, generated at bench time into a folder (nothing
 * big is committed): `frames` frames of `size` x `size` uint16 (`frame_00.tif` ... ), a
 * `metdb.json` naming `frame_00.tif` as the reference, and `truth.json` (the shift registering
 * each frame onto frame_00, axis order y, x, pixels).
 *
 * Source: samples/sources/bbbc022_hoechst.tif (Hoechst nuclei, BBBC022, CC0; 395 x 695, 16-bit),
 * magnified by `scale` and mirrored at its borders to fill the canvas, so the whole frame has
 * real nuclei at a realistic density. Frame k samples that continuous field (bilinear
 * interpolation) at positions displaced by a smooth subpixel drift d(k), then gets seeded
 * Poisson-like noise: frame_k(y, x) = field(y - d_y(k), x - d_x(k)) + noise.
 *
 * Also runnable: `node --import tsx scripts/make-bench-series.ts <folder> [frames] [size]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../bench/repo-root.js';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';

export interface BenchSeriesOptions {
  /** Frames, the reference included. @default 5 */
  frames?: number;
  /** Side of the square frames, pixels. @default 2048 */
  size?: number;
  /** Magnification of the source (output pixels per source pixel). @default 1.5 */
  scale?: number;
  /** Settings written to `metdb.json` beside `reference: 'frame_00.tif'`. @default {} */
  settings?: Record<string, unknown>;
}

export interface BenchSeries {
  readonly files: string[];
  /** Per file, the shift registering it onto frame_00, axis order y, x, pixels. */
  readonly truth: Record<string, [number, number]>;
}

/** Writes the series into `folder` (created if needed). */
export async function makeBenchSeries(
  folder: string,
  options: BenchSeriesOptions = {},
): Promise<BenchSeries> {
  const { frames = 5, size = 2048, scale = 1.5, settings = {} } = options;
  const source = (await readImageFile(join(repoRoot(), 'samples', 'sources', 'bbbc022_hoechst.tif'))).array;
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  const truth: Record<string, [number, number]> = {};
  let seed = 20261122;
  const gaussian = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const u = (seed + 1) / 4294967297;
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos((2 * Math.PI * seed) / 4294967296);
  };
  for (let k = 0; k < frames; k++) {
    const [dy, dx] = drift(k);
    const file = `frame_${String(k).padStart(2, '0')}.tif`;
    writeFileSync(join(folder, file), encodeTiff(sampleFrame(source, size, scale, dy, dx, gaussian)));
    files.push(file);
    truth[file] = [dy === 0 ? 0 : -dy, dx === 0 ? 0 : -dx];
  }
  writeFileSync(join(folder, 'metdb.json'), JSON.stringify({ reference: 'frame_00.tif', ...settings }));
  writeFileSync(join(folder, 'truth.json'), `${JSON.stringify({ axes: ['y', 'x'], truth }, null, 2)}\n`);
  return { files, truth };
}

/** The applied drift of frame k, pixels (y, x). */
function drift(k: number): [number, number] {
  const y = 2.137 * k + 0.8 * Math.sin(0.9 * k);
  const x = -1.791 * k + 0.6 * (1 - Math.cos(0.7 * k));
  return [Math.round(y * 1000) / 1000, Math.round(x * 1000) / 1000];
}

/** The mirrored, magnified source sampled bilinearly at (y - dy, x - dx), plus noise. */
function sampleFrame(
  source: NdArray,
  size: number,
  scale: number,
  dy: number,
  dx: number,
  gaussian: () => number,
): NdArray<Uint16Array> {
  const [h, w] = source.shape as [number, number];
  const out = new Uint16Array(size * size);
  const xs = new Int32Array(size * 2);
  const fx = new Float64Array(size);
  for (let x = 0; x < size; x++) {
    const u = (x - dx) / scale;
    const x0 = Math.floor(u);
    fx[x] = u - x0;
    xs[2 * x] = mirror(x0, w);
    xs[2 * x + 1] = mirror(x0 + 1, w);
  }
  for (let y = 0; y < size; y++) {
    const v = (y - dy) / scale;
    const y0 = Math.floor(v);
    const fy = v - y0;
    const r0 = mirror(y0, h) * w;
    const r1 = mirror(y0 + 1, h) * w;
    for (let x = 0; x < size; x++) {
      const a = xs[2 * x]!;
      const b = xs[2 * x + 1]!;
      const f = fx[x]!;
      const top = source.data[r0 + a]! * (1 - f) + source.data[r0 + b]! * f;
      const bottom = source.data[r1 + a]! * (1 - f) + source.data[r1 + b]! * f;
      const value = top * (1 - fy) + bottom * fy;
      const noisy = value + Math.sqrt(Math.max(value, 1)) * gaussian();
      out[y * size + x] = Math.min(65535, Math.max(0, Math.round(noisy)));
    }
  }
  return { data: out, shape: [size, size] };
}

/** Index i reflected into [0, n) (mirror without repeating the edge pixel's neighbour). */
function mirror(i: number, n: number): number {
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [folder, frames, size] = process.argv.slice(2);
  if (folder === undefined) throw new Error('usage: make-bench-series.ts <folder> [frames] [size]');
  const made = await makeBenchSeries(folder, {
    ...(frames === undefined ? {} : { frames: Number(frames) }),
    ...(size === undefined ? {} : { size: Number(size) }),
  });
  console.log(`${folder}: ${made.files.length} frames`);
}
