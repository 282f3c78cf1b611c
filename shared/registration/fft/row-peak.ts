/** Index (from `from`) of the first of the `n` values of largest magnitude. */
export function rowPeak(values: Float32Array | Float64Array, from: number, n: number): number {
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
