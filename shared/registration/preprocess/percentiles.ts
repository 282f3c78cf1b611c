import { MetdbError } from '../../errors/metdb-error.js';
import type { PixelArray } from '../../ndarray/ndarray.js';
import { selectKth } from './select-kth.js';

/**
 * Exact percentiles of all values, with numpy.percentile's default ('linear') definition: for p in
 * [0, 100], the virtual index is v = (n - 1) * (p / 100), and the result interpolates linearly between
 * the sorted values at floor(v) and floor(v) + 1 (numpy's `_lerp`, same operations).
 *
 * 8- and 16-bit data use a histogram (exact, O(n + 65536)); float data a selection (Floyd-Rivest) on a
 * copy, expected O(n) per distinct order statistic. The data must be finite (checked by callers).
 *
 * @param p percentiles in [0, 100], any order
 * @returns one value per requested percentile
 */
export function percentiles(data: PixelArray, p: readonly number[]): number[] {
  const n = data.length;
  if (n === 0) throw new MetdbError('empty-array', 'percentiles: no values');
  for (const q of p) {
    if (!(q >= 0 && q <= 100)) {
      throw new MetdbError('invalid-argument', `percentiles: ${q} is outside [0, 100]`, {
        details: { value: q },
      });
    }
  }
  const ranks = p.map((q) => (n - 1) * (q / 100));
  const needed = new Set<number>();
  for (const v of ranks) {
    const below = Math.floor(v);
    needed.add(below);
    needed.add(Math.min(below + 1, n - 1));
  }
  const ordered = [...needed].sort((x, y) => x - y);
  const value = new Map<number, number>();
  if (data instanceof Uint8Array || data instanceof Uint16Array) {
    const counts = new Float64Array(data instanceof Uint8Array ? 256 : 65536);
    for (let i = 0; i < n; i++) {
      const v = data[i] as number;
      counts[v] = (counts[v] as number) + 1;
    }
    let bin = 0;
    let seen = counts[0] as number; // values with rank < seen are <= bin
    for (const k of ordered) {
      while (seen <= k) seen += counts[++bin] as number;
      value.set(k, bin);
    }
  } else {
    const copy = Float64Array.from(data);
    let left = 0;
    for (const k of ordered) {
      selectKth(copy, k, left, n - 1);
      value.set(k, copy[k] as number);
      left = k;
    }
  }
  return ranks.map((v) => {
    const below = Math.floor(v);
    const a = value.get(below) as number;
    const b = value.get(Math.min(below + 1, n - 1)) as number;
    const t = v - below;
    const diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  });
}
