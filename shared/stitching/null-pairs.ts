import type { TilePair } from './neighbour-pairs.js';
import { seededUniform } from '../random/seeded.js';

export interface NullPairsOptions {
  /** Pairs of unrelated windows registered to build the null distribution. @default 100 */
  readonly samples?: number;
  /** Seed of the drawing (the same seed, the same pairs). @default 1 */
  readonly seed?: number;
}

/**
 * A pair of tiles that do not overlap, registered as if they were placed like the edge
 * `geometry` (an index into the mosaic's pairs): tile `b` turned by 180 degrees when `turned`.
 */
export interface NullPair {
  readonly a: number;
  readonly b: number;
  readonly turned: boolean;
  readonly geometry: number;
}

/**
 * Draws the null pairs of ASHLAR's permutation test: random pairs of tiles that do not overlap,
 * each with the geometry of a random real edge. When a mosaic has few non-overlapping pairs (fewer
 * than a quarter of the samples), every other sample pairs a tile with another one turned by 180
 * degrees. Deterministic for a seed, so that each sample can be measured anywhere (a message).
 */
export function nullPairs(
  tiles: number,
  pairs: readonly TilePair[],
  options: NullPairsOptions = {},
): NullPair[] {
  const { samples = 100, seed = 1 } = options;
  if (pairs.length === 0 || tiles < 2) return [];
  const neighbours = new Set(pairs.map((p) => p.i * tiles + p.j));
  const distant: [number, number][] = [];
  for (let i = 0; i < tiles; i++) {
    for (let j = i + 1; j < tiles; j++) if (!neighbours.has(i * tiles + j)) distant.push([i, j]);
  }
  const random = seededUniform(seed);
  const useTurned = distant.length < samples / 4;
  const out: NullPair[] = [];
  for (let s = 0; s < samples; s++) {
    const geometry = Math.floor(random() * pairs.length);
    if (!useTurned || (distant.length > 0 && s % 2 === 0)) {
      const [i, j] = distant[Math.floor(random() * distant.length)]!;
      const swap = random() < 0.5;
      out.push({ a: swap ? j : i, b: swap ? i : j, turned: false, geometry });
    } else {
      const a = Math.floor(random() * tiles);
      const b = (a + 1 + Math.floor(random() * (tiles - 1))) % tiles;
      out.push({ a, b, turned: true, geometry });
    }
  }
  return out;
}
