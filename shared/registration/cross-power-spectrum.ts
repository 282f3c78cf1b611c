/**
 * The cross-power spectrum P = A conj(B) of two frequency-major half spectra (`rfftn`'s layout:
 * element (x, row) at x * rows + row, interleaved float32), written into both `a` (kept for the
 * upsampled DFT) and `b` (consumed by the inverse transform). With `phase`, P / max(|P|, eps):
 * scikit-image's normalisation; with `floor` > 0, P |P| / (|P| + floor)^2 (see
 * `regularization`). Returns the energies of the full spectra A and B, from their
 * halves (interior columns stand for two).
 *
 * One function for the hot loop alone: V8 optimises it on its own, and the caller's code after the
 * loop does not deoptimise for lack of type feedback when the loop is compiled on the stack.
 */
export function crossPowerSpectrum(
  a: Float32Array,
  b: Float32Array,
  h: number,
  rows: number,
  n: number,
  phase: boolean,
  eps: number,
  floor = 0,
): { srcAmp: number; tgtAmp: number } {
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
