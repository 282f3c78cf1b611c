/**
 * The Gaussian widths `chooseSmoothing` picks from, pixels: half a pixel to 2.8 pixels, a factor
 * sqrt(2) apart (each weighting |G|^2 the square of the one before).
 */
export const SMOOTHING_CANDIDATES: readonly number[] = [
  0.5,
  0.5 * Math.SQRT2,
  1,
  Math.SQRT2,
  2,
  2 * Math.SQRT2,
];

/** What `chooseSmoothing` needs: two half spectra of the same windowed tiles, and their noise. */
export interface SmoothingInput {
  /** The images' shape, axis order (z,) y, x. */
  readonly shape: readonly number[];
  /**
   * Half spectra (`rfftn`'s frequency-major layout, interleaved) of the reference's and the moving
   * image's centred, windowed pixels.
   */
  readonly reference: Float32Array | Float64Array;
  readonly moving: Float32Array | Float64Array;
  /** The current estimate of the shift registering moving onto reference, pixels. */
  readonly shift: readonly number[];
  /**
   * The white-noise power of each spectrum, E|N(k)|^2 = sigma^2 times the window's sum of
   * squares (the DFT unnormalised).
   */
  readonly referenceNoise: number;
  readonly movingNoise: number;
  /** How many of `SMOOTHING_CANDIDATES`, from the narrowest, to choose from. @default all */
  readonly candidates?: number;
}

/**
 * The width of the Gaussian with which to smooth both images before a direct (least-squares)
 * alignment, chosen per pair as the one of least predicted variance of the shift.
 *
 * Smoothing both images by a Gaussian G weighs frequency k of the alignment by |G(k)|^2 =
 * exp(-sigma^2 |k|^2). With the common signal's power S(k) and the two images' white-noise
 * powers N1 and N2, the shift's variance under that weighting is, to first order (Knapp & Carter,
 * IEEE TASSP 24, 320, 1976, for the generalised cross-correlation):
 *
 *     var ~ sum |k|^2 W^2 (S (N1 + N2) + N1 N2) / (sum |k|^2 W S)^2,    W = |G|^2.
 *
 * The N1 N2 term, the noise of one image meeting the noise of the other, is what makes the
 * sharpest weighting the worst one on noisy, low-texture images, and a broad Gaussian the best;
 * on clean or textured ones the narrowest wins. S(k) is estimated without the noise's bias by
 * the real part of the cross-power spectrum once the moving image's spectrum is aligned by the
 * current estimate (the noises of the two images are independent). The narrowest candidate, half
 * a pixel, keeps the cubic interpolation of the alignment accurate near the Nyquist frequency.
 *
 * @returns the candidate of least predicted variance (the narrowest when the sums are degenerate)
 */
export function chooseSmoothing(input: SmoothingInput): number {
  const { shape, reference: a, moving: b, shift } = input;
  const candidates = SMOOTHING_CANDIDATES.slice(0, input.candidates ?? SMOOTHING_CANDIDATES.length);
  const n1 = input.referenceNoise;
  const n2 = input.movingNoise;
  const ndim = shape.length;
  const n = shape[ndim - 1]!;
  const h = Math.floor(n / 2) + 1;
  const leading = shape.slice(0, -1);
  const rows = leading.reduce((p, m) => p * m, 1);
  // Per leading row and per column: the squared angular frequency, the narrowest |G|^2 and the
  // phase ramp e^{i k.shift} (all separable).
  const rowK2 = new Float64Array(rows);
  const rowW = new Float64Array(rows);
  const rowCos = new Float64Array(rows);
  const rowSin = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let rest = row;
    let k2 = 0;
    let phase = 0;
    for (let axis = ndim - 2; axis >= 0; axis--) {
      const m = leading[axis]!;
      const i = rest % m;
      rest = Math.floor(rest / m);
      const k = (2 * Math.PI * (i <= m / 2 ? i : i - m)) / m;
      k2 += k * k;
      phase += k * shift[axis]!;
    }
    rowK2[row] = k2;
    rowW[row] = Math.exp(-0.25 * k2);
    rowCos[row] = Math.cos(phase);
    rowSin[row] = Math.sin(phase);
  }
  const count = candidates.length;
  const num = new Float64Array(count);
  const den = new Float64Array(count);
  const sx = shift[ndim - 1]!;
  for (let x = 0; x < h; x++) {
    const kx = (2 * Math.PI * x) / n;
    const twice = x === 0 || (n % 2 === 0 && x === h - 1) ? 1 : 2;
    const wx = Math.exp(-0.25 * kx * kx);
    const cx = Math.cos(kx * sx);
    const sn = Math.sin(kx * sx);
    for (let row = 0; row < rows; row++) {
      const i = 2 * (x * rows + row);
      const k2 = kx * kx + rowK2[row]!;
      if (k2 === 0) continue;
      // Re(A conj(B) e^{i k.shift}): moving(p - shift) = reference(p) gives B = A e^{-i k.shift}.
      const cos = cx * rowCos[row]! - sn * rowSin[row]!;
      const sin = sn * rowCos[row]! + cx * rowSin[row]!;
      const pr = a[i]! * b[i]! + a[i + 1]! * b[i + 1]!;
      const pi = a[i + 1]! * b[i]! - a[i]! * b[i + 1]!;
      const s = pr * cos - pi * sin;
      const noise = Math.max(s, 0) * (n1 + n2) + n1 * n2;
      // |G|^2 of the narrowest, then each the square of the one before.
      let w = wx * rowW[row]!;
      for (let c = 0; c < count; c++) {
        num[c]! += twice * k2 * w * w * noise;
        den[c]! += twice * k2 * w * s;
        w *= w;
      }
    }
  }
  let best = candidates[0]!;
  let bestVar = Number.POSITIVE_INFINITY;
  for (let c = 0; c < count; c++) {
    const v = den[c]! > 0 ? num[c]! / (den[c]! * den[c]!) : Number.POSITIVE_INFINITY;
    if (v < bestVar) {
      bestVar = v;
      best = candidates[c]!;
    }
  }
  return best;
}
