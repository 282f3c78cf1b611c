export interface NccThreshold {
  /** An edge is accepted when its NCC is above this (-Infinity without null pairs). */
  readonly threshold: number;
  readonly alpha: number;
  /** NCCs of the null pairs, ascending (no candidate counts as -1). */
  readonly nulls: readonly number[];
}

/**
 * The NCC an edge must beat to count as evidence, from a null distribution (ASHLAR's permutation
 * test): the best NCCs that the edge registration found for pairs of tiles that do not overlap
 * (`nullPairs`), measured by the same procedure as the real edges. The threshold is their
 * (1 - alpha) quantile (linear interpolation, numpy's default).
 *
 * @param nullNccs the best NCC of each null pair (NaN: no candidate, counted as -1)
 * @param alpha accepted false-positive rate
 */
export function nccThreshold(nullNccs: readonly number[], alpha = 0.01): NccThreshold {
  const nulls = nullNccs.map((v) => (Number.isFinite(v) ? v : -1)).sort((p, q) => p - q);
  if (nulls.length === 0) return { threshold: -Infinity, alpha, nulls };
  const pos = (1 - alpha) * (nulls.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(nulls.length - 1, lo + 1);
  return { threshold: nulls[lo]! + (nulls[hi]! - nulls[lo]!) * (pos - lo), alpha, nulls };
}
