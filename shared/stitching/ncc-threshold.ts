import type { NdArray } from '../ndarray/ndarray.js';
import type { TilePair } from './neighbour-pairs.js';

export interface NccThresholdOptions {
  /** Pairs of unrelated windows registered to build the null distribution. @default 100 */
  readonly samples?: number;
  /** Accepted false-positive rate: the threshold is the (1 - alpha) quantile of the null NCCs. @default 0.01 */
  readonly alpha?: number;
  /** Seed of the pair drawing (the same seed, the same threshold). @default 1 */
  readonly seed?: number;
}

export interface NccThreshold {
  /** An edge is accepted when its NCC is above this. */
  readonly threshold: number;
  readonly alpha: number;
  /** NCCs of the null pairs, ascending (no candidate counts as -1). */
  readonly nulls: readonly number[];
}

/** The best NCC the edge registration finds for tiles a and b placed like `pair` (NaN if none). */
export type RegisterNull = (a: NdArray, b: NdArray, pair: TilePair) => number;

/**
 * The NCC an edge must beat to count as evidence, from a null distribution (ASHLAR's permutation
 * test): tiles that do not overlap are registered with the geometry of real edges, by the same
 * procedure, and the (1 - alpha) quantile of their best NCCs is the threshold. When a mosaic has
 * few non-overlapping pairs, tiles turned by 180 degrees stand in for unrelated ones.
 *
 * @param tiles the tiles, one shape
 * @param pairs the mosaic's overlapping pairs (geometries to borrow; excluded from the null pairs)
 */
export function nccThreshold(
  tiles: readonly NdArray[],
  pairs: readonly TilePair[],
  register: RegisterNull,
  options: NccThresholdOptions = {},
): NccThreshold {
  const { samples = 100, alpha = 0.01, seed = 1 } = options;
  if (pairs.length === 0 || tiles.length < 2 || samples < 1)
    return { threshold: -Infinity, alpha, nulls: [] };
  const neighbours = new Set(pairs.map((p) => p.i * tiles.length + p.j));
  const distant: [number, number][] = [];
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++)
      if (!neighbours.has(i * tiles.length + j)) distant.push([i, j]);
  }
  const random = mulberry32(seed);
  const turned = new Map<number, NdArray>();
  const turn = (k: number): NdArray => {
    let t = turned.get(k);
    if (t === undefined) {
      const src = tiles[k]!;
      t = { data: src.data.slice().reverse(), shape: src.shape };
      turned.set(k, t);
    }
    return t;
  };
  // Enough distinct unrelated pairs: use them; otherwise also turned tiles.
  const useTurned = distant.length < samples / 4;
  const nulls: number[] = [];
  for (let s = 0; s < samples; s++) {
    const geometry = pairs[Math.floor(random() * pairs.length)]!;
    let a: NdArray;
    let b: NdArray;
    if (!useTurned || (distant.length > 0 && s % 2 === 0)) {
      const [i, j] = distant[Math.floor(random() * distant.length)] ?? [0, 1];
      [a, b] = random() < 0.5 ? [tiles[i]!, tiles[j]!] : [tiles[j]!, tiles[i]!];
    } else {
      const i = Math.floor(random() * tiles.length);
      const j = (i + 1 + Math.floor(random() * (tiles.length - 1))) % tiles.length;
      [a, b] = [tiles[i]!, turn(j)];
    }
    const ncc = register(a, b, geometry);
    nulls.push(Number.isFinite(ncc) ? ncc : -1);
  }
  nulls.sort((p, q) => p - q);
  return { threshold: quantile(nulls, 1 - alpha), alpha, nulls };
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A small seeded generator in [0, 1) (mulberry32), so that a run is repeatable. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
