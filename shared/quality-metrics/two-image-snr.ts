/**
 * Signal-to-noise ratio of two images of the same object with independent noise, from their
 * correlation coefficient (Frank and Al-Ali, Nature 256, 376-379, 1975):
 *
 *     snr = ncc / (1 - ncc)
 *
 * where ncc is the Pearson correlation of the pixel values (`normalizedCrossCorrelation`). With
 * a = s + n1, b = s + n2 and noises of equal variance, ncc = var s / (var s + var n), so snr is the
 * ratio of the signal variance to the noise variance of one image (a power ratio, not in dB).
 * Infinity for ncc = 1; negative for anticorrelated images; NaN for NaN.
 */
export function snrFromCorrelation(ncc: number): number {
  if (Number.isNaN(ncc)) return Number.NaN;
  return ncc >= 1 ? Infinity : ncc / (1 - ncc);
}
