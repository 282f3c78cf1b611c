/**
 * How high does the correlation peak of *unrelated* tiles climb? Registers pairs of tiles cut from
 * different real images (or from places of one image that do not overlap) and prints the peak
 * ratio's percentiles as multiples of L = sqrt(2 ln 2N), N the tile's pixels. `judgeTile`'s
 * CHANCE_PEAK_P99 comes from this table (docs/quality.md). Run: `npm run calibrate:quality`.
 */
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { extractRegion } from '../shared/tiling/extract-region.js';
import { registerTile } from '../shared/tiling/register-tile.js';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

const SOURCES = [
  'test/fixtures/images/cell_u16.tif',
  'test/fixtures/images/camera_crop.jpg',
  'test/fixtures/images/bbbc022_crop_cyx.tif',
  'test/fixtures/images/ihc_rgb_crop.png',
];
const PAIRS = 300;

const images: NdArray[] = [];
for (const source of SOURCES)
  images.push((await readImageFile(join(repoRoot(), source), { channel: 0 })).array);

let seed = 12345;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

console.log('tile      normalization  pairs  p50/L  p95/L  p99/L  max/L');
for (const size of [64, 128, 256]) {
  const usable = images.filter((im) => im.shape[0]! >= size && im.shape[1]! >= size);
  for (const normalization of ['phase', 'none'] as const) {
    const ratios: number[] = [];
    while (ratios.length < PAIRS) {
      const [a, b] = [pick(usable), pick(usable)];
      const at = (im: NdArray) => im.shape.map((n) => Math.floor(random() * (n - size + 1)));
      const [ra, rb] = [at(a), at(b)];
      if (a === b && ra.every((s, k) => Math.abs(s - rb[k]!) < size)) continue;
      const tile = (im: NdArray, start: number[]) => extractRegion(im, { start, size: [size, size] });
      const r = registerTile(tile(a, ra), tile(b, rb), { minSignal: 0, normalization, quality: false });
      ratios.push(r.peakRatio);
    }
    ratios.sort((x, y) => x - y);
    const L = Math.sqrt(2 * Math.log(2 * size * size));
    const q = (p: number) =>
      (ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))]! / L).toFixed(2);
    console.log(
      `${`${size}x${size}`.padEnd(10)}${normalization.padEnd(15)}${String(PAIRS).padEnd(7)}${q(0.5).padEnd(7)}${q(0.95).padEnd(7)}${q(0.99).padEnd(7)}${q(1)}`,
    );
  }
}
