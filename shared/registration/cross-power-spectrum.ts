/** Two half spectra and how to combine them (see `crossPowerSpectrum`). */
export interface CrossPowerSpectrumInput {
  /**
   * The reference's and the moving image's half spectra, frequency-major (`rfftn`'s layout:
   * element (x, row) at x * rows + row, interleaved float32). Both are overwritten with P.
   */
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** Frequencies along the last axis in the half spectrum, floor(n / 2) + 1. */
  readonly bins: number;
  /** Rows: the product of the leading axes' lengths. */
  readonly rows: number;
  /** Length of the last axis of the images. */
  readonly n: number;
  /** 'phase' divides P by its magnitude (or regularises it); 'none' keeps it. */
  readonly normalization: 'phase' | 'none';
  /** The magnitude below which P is not divided further (scikit-image's 100 eps). */
  readonly eps: number;
  /** `phaseCrossCorrelation`'s `regularization` (0: plain phase correlation). */
  readonly regularization: number;
}

/**
 * The cross-power spectrum P = A conj(B) of two frequency-major half spectra, written into both
 * `a` (kept for the upsampled DFT) and `b` (consumed by the inverse transform). With `phase`,
 * P / max(|P|, eps): scikit-image's normalisation; with `regularization` r > 0,
 * P |P| / (|P| + r)^2 (see `phaseCrossCorrelation`'s `regularization`). Returns the energies of
 * the full spectra A and B, from their halves (interior columns stand for two).
 *
 * One function for the hot loop alone: V8 optimises it on its own, and the caller's code after the
 * loop does not deoptimise for lack of type feedback when the loop is compiled on the stack.
 */
export function crossPowerSpectrum(input: CrossPowerSpectrumInput): { srcAmp: number; tgtAmp: number } {
  const { a, b, bins: h, rows, n, eps, regularization: floor } = input;
  const phase = input.normalization === 'phase';
  let srcAmp = 0;
  let tgtAmp = 0;
  for (let x = 0; x < h; x++) {
    let sa = 0;
    let ta = 0;
    const end = 2 * (x + 1) * rows;
    for (let i = 2 * x * rows; i < end; i += 2) {
      const ar = a[i]!;
      const ai = a[i + 1]!;
      const br = b[i]!;
      const bi = b[i + 1]!;
      sa += ar * ar + ai * ai;
      ta += br * br + bi * bi;
      let pr = ar * br + ai * bi;
      let pi = ai * br - ar * bi;
      if (phase) {
        const mag = Math.max(Math.sqrt(pr * pr + pi * pi), eps);
        const inv = floor === 0 ? 1 / mag : mag / ((mag + floor) * (mag + floor));
        pr *= inv;
        pi *= inv;
      }
      a[i] = b[i] = pr;
      a[i + 1] = b[i + 1] = pi;
    }
    const w = x === 0 || (n % 2 === 0 && x === h - 1) ? 1 : 2;
    srcAmp += w * sa;
    tgtAmp += w * ta;
  }
  return { srcAmp, tgtAmp };
}
