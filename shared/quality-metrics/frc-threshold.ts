/** The fixed FRC threshold 1/7 ≈ 0.143 (Rosenthal and Henderson 2003, from FSC = 0.143). */
export const FIXED_THRESHOLD = 1 / 7;

/**
 * The half-bit information threshold of a ring or shell of `n` Fourier pixels (van Heel and
 * Schatz, J. Struct. Biol. 151, 250-262, 2005, eq. 17 with SNR = 0.2071):
 *
 *     T(n) = (0.2071 + 1.9102 / sqrt(n)) / (1.2071 + 0.9102 / sqrt(n))
 *
 * It falls from 1 for tiny rings towards 0.1716 for large ones. (The FIB-SEM toolkit evaluates the
 * same expression with n = 2 pi r but 1/n in place of 1/sqrt(n) in one term.)
 */
export function halfBitThreshold(n: number): number {
  if (!(n > 0)) return Number.NaN;
  const s = Math.sqrt(n);
  return (0.2071 + 1.9102 / s) / (1.2071 + 0.9102 / s);
}

/** Where an FRC curve first falls below a threshold. */
export interface FrcCrossing {
  /**
   * Spatial frequency of the first crossing, cycles/px, linearly interpolated between the two
   * rings around it (before ring 1 the curve is taken as 1 at frequency 0). When the curve never
   * falls below the threshold, the highest frequency of the curve (the cutoff lies beyond it).
   */
  readonly frequency: number;
  /** False when the curve stays above the threshold up to its last ring. */
  readonly reached: boolean;
}

/**
 * The first crossing of `correlation` below `threshold` (one value, or one per ring). Rings with
 * no power (NaN correlation) are skipped. Undefined for an empty curve.
 */
export function frcCrossing(
  frequency: readonly number[],
  correlation: readonly number[],
  threshold: number | readonly number[],
): FrcCrossing | undefined {
  const t = (k: number): number => (typeof threshold === 'number' ? threshold : threshold[k]!);
  let f0 = 0;
  let d0 = 1 - t(0);
  let last: number | undefined;
  for (let k = 0; k < correlation.length; k++) {
    const c = correlation[k]!;
    if (Number.isNaN(c) || Number.isNaN(t(k))) continue;
    const f1 = frequency[k]!;
    const d1 = c - t(k);
    if (d1 < 0) {
      const f = d0 > 0 ? f0 + ((f1 - f0) * d0) / (d0 - d1) : f0;
      return { frequency: f, reached: true };
    }
    [f0, d0, last] = [f1, d1, f1];
  }
  return last === undefined ? undefined : { frequency: last, reached: false };
}
