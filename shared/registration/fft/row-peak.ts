/** The value of largest magnitude seen so far and its flat index. */
export interface Peak {
  index: number;
  abs: number;
}

/**
 * Folds one row, `values[from .. from + n)` whose first value has flat index `rowStart`, into
 * `best`: the first value of largest magnitude in flat order (numpy's argmax of |x|), whatever
 * order the rows come in. Start from `{ index: 0, abs: -1 }`.
 */
export function foldRowPeak(
  values: Float32Array | Float64Array,
  from: number,
  n: number,
  rowStart: number,
  best: Peak,
): void {
  const k = rowPeak(values, from, n);
  const v = Math.abs(values[from + k]!);
  if (v > best.abs || (v === best.abs && rowStart + k < best.index)) {
    best.abs = v;
    best.index = rowStart + k;
  }
}

/** Index (from `from`) of the first of the `n` values of largest magnitude. */
function rowPeak(values: Float32Array | Float64Array, from: number, n: number): number {
  let best = 0;
  let bestAbs = -1;
  for (let k = 0; k < n; k++) {
    const v = Math.abs(values[from + k]!);
    if (v > bestAbs) {
      bestAbs = v;
      best = k;
    }
  }
  return best;
}
