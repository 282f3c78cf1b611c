import { lanczosSurvey, MIN_SURVEY_AXIS } from './lanczos-survey.js';
import { peakWindow, surveyStep, type PeakWindow } from './peak-window.js';
import { upsampledDftCost } from './upsampled-dft.js';

/**
 * The upsampled DFT on `points` per axis from `start` (pixels) with spacing 1/upsample: a row-major
 * complex (interleaved) array.
 */
export type Upsampled = (start: Float64Array, points: Int32Array, upsample: number) => Float32Array;

/** scikit-image's box around the coarse peak, and how to evaluate it (see `chooseWindow`). */
export interface UpsampledBox {
  /** The real integer-grid correlation surface. */
  readonly surface: Float32Array;
  /** The images' shape, axis order (z,) y, x. */
  readonly shape: readonly number[];
  /** The box's first position per axis, pixels. */
  readonly start: Float64Array;
  /** Points of the box per axis. */
  readonly region: number;
  readonly upsample: number;
  readonly upsampled: Upsampled;
}

/** A window is used when it costs at most this fraction of the whole box. */
const WINDOW_WORTH = 0.75;
/** Points per axis of the smallest window `peakWindow` returns at upsample 100 (about 0.3 px). */
const SMALLEST_WINDOW = 32;

/**
 * The part of the box to evaluate, or undefined for all of it. In 3D the survey interpolates the
 * integer surface (an exact survey would cost a pass over the whole spectrum); in 2D it is exact,
 * the upsampled DFT itself at the survey spacing, cheap at the sizes where a window pays.
 */
export function chooseWindow(box: UpsampledBox): PeakWindow | undefined {
  const { surface, shape, start, region, upsample: u, upsampled } = box;
  const d = shape.length;
  const step = surveyStep(u);
  const fullCost = upsampledDftCost(
    shape,
    shape.map(() => region),
  );
  const worth = (extra: number, points: number[]): boolean =>
    extra + upsampledDftCost(shape, points) <= WINDOW_WORTH * fullCost;
  const smallest = shape.map(() => Math.min(region, SMALLEST_WINDOW));
  if (d >= 3) {
    if (shape.some((n) => n < MIN_SURVEY_AXIS) || !worth(0, smallest)) return undefined;
    const fine: number[] = [];
    for (let j = 0; j < region; j += step) fine.push(j);
    if (fine[fine.length - 1] !== region - 1) fine.push(region - 1);
    const window = peakWindow(lanczosSurvey(surface, shape, start, u, fine), fine, d, region, step);
    return worth(0, window.points) ? window : undefined;
  }
  const m = Math.floor((region - 1) / step) + 1;
  const surveyPoints = shape.map(() => m);
  const surveyCost = upsampledDftCost(shape, surveyPoints);
  if (!worth(surveyCost, smallest)) return undefined;
  const values = upsampled(start, Int32Array.from(surveyPoints), u / step);
  const magnitudes = magnitudesOf(values);
  const fine = Array.from({ length: m }, (_, k) => k * step);
  const window = peakWindow(magnitudes, fine, d, region, step);
  return worth(surveyCost, window.points) ? window : undefined;
}

/**
 * |value| of interleaved complex values. Not `Math.hypot`: V8 does not inline it, and each call
 * boxed its arguments (20 KB of garbage per tile); the survey's values are float32, far from
 * overflowing a float64 square. Its own function: the loop compiled on the stack deoptimised the
 * code after it in `chooseWindow`.
 */
function magnitudesOf(values: Float32Array): Float64Array {
  const magnitudes = new Float64Array(values.length / 2);
  for (let i = 0; i < magnitudes.length; i++) {
    const re = values[2 * i]!;
    const im = values[2 * i + 1]!;
    magnitudes[i] = Math.sqrt(re * re + im * im);
  }
  return magnitudes;
}
