import { stridesOf } from '../ndarray/ndarray.js';

/** Half-width, pixels, of the box around the peak left out of the background estimate. */
const PEAK_RADIUS = 2;

/**
 * The background RMS is never taken below this fraction of the peak: single-precision FFTs leave
 * round-off of about 1e-7 of the peak, so a cleaner background (identical images) is not measured.
 */
const PRECISION_FLOOR = 2 ** -20;

/**
 * Height of a correlation peak over the background of the correlation surface: |c(peak)| divided
 * by the RMS of |c| outside a 5-pixel (per axis, periodic) box around the peak. Dimensionless. For
 * unrelated images (noise) the peak is only the largest of N random values, about sqrt(2 ln N)
 * (4 for a 64x64 tile); a real match stands far above (tens to hundreds). A peak-to-noise figure in
 * the spirit of the PIV correlation-quality measures (Charonko & Vlachos 2013, Meas. Sci. Technol.
 * 24 065301).
 *
 * Finite for every input: a background below the single-precision floor (identical images give an
 * exact delta) counts as that floor, so the ratio is at most 2^20; a zero surface gives 0.
 *
 * @param surface real correlation values (|value| is used), row-major, of `shape`
 * @param peak flat index of the peak (the argmax of |surface|)
 */
export function peakRatio(
  surface: Float32Array | Float64Array,
  shape: readonly number[],
  peak: number,
): number {
  const n = surface.length;
  let sum = sumOfSquares(surface);
  const strides = stridesOf(shape);
  const at = shape.map((len, k) => Math.floor(peak / strides[k]!) % len);
  const spans = shape.map((len) => Math.min(len, 2 * PEAK_RADIUS + 1));
  const boxSize = spans.reduce((p, c) => p * c, 1);
  for (let j = 0; j < boxSize; j++) {
    let rest = j;
    let index = 0;
    for (let k = shape.length - 1; k >= 0; k--) {
      const len = shape[k]!;
      const offset = (rest % spans[k]!) - (spans[k]! === len ? at[k]! : PEAK_RADIUS);
      rest = Math.floor(rest / spans[k]!);
      index += ((((at[k]! + offset) % len) + len) % len) * strides[k]!;
    }
    sum -= surface[index]! * surface[index]!;
  }
  sum = Math.max(0, sum);
  const height = Math.abs(surface[peak]!);
  const count = n - boxSize;
  if (height === 0) return 0;
  const background = count === 0 ? 0 : Math.sqrt(sum / count);
  return height / Math.max(background, height * PRECISION_FLOOR);
}

/** The hot loop on its own (optimised alone; see `crossPowerSpectrum`). */
function sumOfSquares(values: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return sum;
}
