import type { ComplexNdArray } from '../registration/complex-ndarray.js';
import { ifftn } from '../registration/fourier-transform.js';
import { peakRatio } from '../registration/peak-ratio.js';

/**
 * Height of the cross-correlation peak over the background of the correlation surface: the
 * largest |c(x)| divided by the RMS of |c| outside a 5-pixel (per axis) box around it, where c is
 * the inverse DFT of the phase-normalised cross-power spectrum A conj(B) / |A conj(B)| (always
 * phase-normalised: its peak is sharp, so the figure means the same whichever normalization
 * found the shift; a plain cross-correlation peak is too broad for a 5-pixel box). Dimensionless. For unrelated images (noise) the peak is only the largest of N random
 * values, about sqrt(2 ln N) (4 for a 64x64 tile); a real match stands out far above (tens to
 * hundreds). A peak-to-noise figure in the spirit of the PIV correlation-quality measures
 * (Charonko & Vlachos 2013, Meas. Sci. Technol. 24 065301).
 *
 * @param a spectrum of the reference (full complex N-D DFT, as `fftn` returns)
 * @param b spectrum of the moving image, same shape
 */
export function correlationPeakRatio(a: ComplexNdArray, b: ComplexNdArray): number {
  const { shape } = a;
  const n = a.data.length / 2;
  const power = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const ar = a.data[2 * i]!;
    const ai = a.data[2 * i + 1]!;
    const br = b.data[2 * i]!;
    const bi = b.data[2 * i + 1]!;
    let pr = ar * br + ai * bi;
    let pi = ai * br - ar * bi;
    const mag = Math.sqrt(pr * pr + pi * pi);
    if (mag > 0) {
      pr /= mag;
      pi /= mag;
    }
    power[2 * i] = pr;
    power[2 * i + 1] = pi;
  }
  const surface = ifftn({ complex: true, data: power, shape });
  const magnitude = new Float64Array(n);
  let best = 0;
  for (let i = 0; i < n; i++) {
    const re = surface.data[2 * i]!;
    const im = surface.data[2 * i + 1]!;
    magnitude[i] = Math.sqrt(re * re + im * im);
    if (magnitude[i]! > magnitude[best]!) best = i;
  }
  return peakRatio(magnitude, shape, best);
}
