/**
 * Weighted median of `values` with non-negative `weights` (entries of weight 0 ignored): the value
 * where the cumulative weight, in ascending order of value, first reaches half the total; when it
 * lands exactly on half, the mean of that value and the next (the midpoint of the two weighted
 * medians, as the unweighted median of an even count). Order-independent (ties in value are
 * broken by weight). NaN when no weight is positive.
 */
export function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) if (weights[i]! > 0) order.push(i);
  if (order.length === 0) return Number.NaN;
  order.sort((a, b) => values[a]! - values[b]! || weights[a]! - weights[b]!);
  // Summed in sorted order so that the result does not depend on the input order, to the bit.
  let total = 0;
  for (const i of order) total += weights[i]!;
  const half = total / 2;
  let cumulative = 0;
  for (let k = 0; k < order.length; k++) {
    cumulative += weights[order[k]!]!;
    if (cumulative === half && k + 1 < order.length) {
      return (values[order[k]!]! + values[order[k + 1]!]!) / 2;
    }
    if (cumulative >= half) return values[order[k]!]!;
  }
  return values[order[order.length - 1]!]!;
}
