/** A box of the upsampled DFT's fine grid. */
export interface PeakWindow {
  /** First fine-grid index of the window, per axis. */
  readonly offset: number[];
  /** Points of the window per axis. */
  readonly points: number[];
}

/**
 * Candidate threshold: within this fraction of the survey's value range below its top. It must
 * exceed the survey's error (none for an exact survey, a fraction of the background RMS for an
 * interpolated one) plus the drop of a peak between survey points (under 1 % of its height for a
 * sinc-like peak at 0.05 px spacing).
 */
const MARGIN = 0.05;
/** Spacing of the survey, pixels; the window reaches one step beyond the candidates. */
const SURVEY_STEP = 0.05;

/** Fine-grid step of the survey at this upsampling. */
export function surveyStep(upsample: number): number {
  return Math.max(1, Math.round(SURVEY_STEP * upsample));
}

/**
 * Where, on the fine grid of the upsampled DFT (`region` points per axis, scikit-image's 1.5-pixel
 * box), the peak can be, from a survey of |correlation| on every combination of the `fine` indices
 * (a subgrid `step` apart; an exact upsampled DFT at that spacing, or `lanczosSurvey`).
 *
 * Every survey point within `MARGIN` of the top (relative to the top-to-bottom range) is a
 * candidate; the true maximum lies within half a step of the survey point nearest it, so the
 * window is the candidates' bounding box widened by one step, per axis (a peak broad in z, as in
 * anisotropic stacks, gets a window long in z and short in y and x), rounded up to multiples of
 * 8 points so that chirp-z plans stay cached. Only that window is then evaluated exactly; the
 * values inside it, and so the shift, are those of the whole box whenever its maximum lies in the
 * window. A flat survey gives the whole box.
 */
export function peakWindow(
  survey: ArrayLike<number>,
  fine: readonly number[],
  d: number,
  region: number,
  step: number,
): PeakWindow {
  const m = fine.length;
  let top = -Infinity;
  let bottom = Infinity;
  for (let i = 0; i < survey.length; i++) {
    const x = survey[i]!;
    if (x > top) top = x;
    if (x < bottom) bottom = x;
  }
  const threshold = top - MARGIN * (top - bottom);
  const lo = new Array<number>(d).fill(Infinity);
  const hi = new Array<number>(d).fill(-Infinity);
  const at = new Array<number>(d).fill(0);
  for (let flat = 0; flat < survey.length; flat++) {
    if (survey[flat]! >= threshold) {
      for (let a = 0; a < d; a++) {
        lo[a] = Math.min(lo[a]!, fine[at[a]!]!);
        hi[a] = Math.max(hi[a]!, fine[at[a]!]!);
      }
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++at[a]! < m) break;
      at[a] = 0;
    }
  }
  const reach = step;
  if (!lo.every(Number.isFinite)) return { offset: lo.map(() => 0), points: lo.map(() => region) };
  const offset: number[] = [];
  const points: number[] = [];
  for (let a = 0; a < d; a++) {
    const first = Math.max(0, lo[a]! - reach);
    const last = Math.min(region - 1, hi[a]! + reach);
    // Few distinct sizes keep the chirp-z plans cached.
    const size = Math.min(region, Math.ceil((last - first + 1) / 8) * 8);
    offset.push(Math.min(first, region - size));
    points.push(size);
  }
  return { offset, points };
}
