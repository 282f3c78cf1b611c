import { MetdbError } from '../errors/metdb-error.js';
import { bandedCholesky, inverseDiagonal, solveBanded, type BandedCholesky } from './banded-cholesky.js';

/** A measured shift between two frames of a series. */
export interface PairShift {
  /** Index of the reference frame of the pair, 0 <= i < frames. */
  readonly i: number;
  /** Index of the moving frame of the pair, 0 <= j < frames, j != i. */
  readonly j: number;
  /** `phaseCrossCorrelation(frame i, frame j).shift`: registers frame j onto frame i, pixels. */
  readonly shift: readonly number[];
  /** Non-negative weight (e.g. a correlation quality). @default 1 */
  readonly weight?: number;
}

export interface RedundantCrossCorrelationOptions {
  /** Number of frames; frames are 0..frames-1. @default 1 + the largest index in the pairs */
  frames?: number;
  /**
   * A pair whose residual norm |d_ij - (x_j - x_i)| exceeds this many pixels is an outlier. The
   * worst pair is dropped and the system solved again, one at a time, while one exceeds it and
   * dropping it leaves every frame connected to frame 0.
   * @default 0.5
   */
  maxResidual?: number;
}

export interface RedundantCrossCorrelationResult {
  /** Per frame, the shift registering it onto frame 0, pixels, axis order (z,) y, x; frame 0 is 0. */
  shifts: number[][];
  /**
   * Per frame and axis, the standard error of its shift (pixels): the weighted least-squares
   * covariance s^2 (A^T W A)^-1 with s^2 the weighted residual variance of the pairs kept. 0 for
   * frame 0; NaN when no pair is redundant (as many pairs kept as unknowns).
   */
  errors: number[][];
  /** Indices (into the input) of pairs dropped as outliers, in the order they were dropped. */
  rejected: number[];
  /** Per input pair, d_ij - (x_j - x_i) for the final solution. */
  residuals: number[][];
  /** Weighted RMS of the residual norms of the pairs kept, pixels. */
  rms: number;
}

/**
 * Redundant cross-correlation (RCC; Wang et al. 2014, Opt. Express 22, 15982, as in PYME): from
 * pairwise shifts d_ij between frames i and j of a series (over-determined: more pairs than
 * frames), solves for the shift x_k registering each frame onto frame 0 (x_0 = 0) in weighted
 * least squares, d_ij = x_j - x_i, axis by axis (normal equations: a weighted graph Laplacian,
 * banded when pairs span at most w frames, solved by a banded Cholesky in O(n w^2)), then drops
 * outlier pairs one by one (largest residual first) while the system stays full rank, and solves
 * again. Reference-only or consecutive pairs (no redundancy) are solved exactly.
 *
 * @throws MetdbError 'insufficient-data' when some frame is not connected to frame 0 by pairs of
 *   positive weight; 'invalid-argument' for bad indices or shift lengths
 */
export function redundantCrossCorrelation(
  pairs: readonly PairShift[],
  options: RedundantCrossCorrelationOptions = {},
): RedundantCrossCorrelationResult {
  const frames = options.frames ?? 1 + pairs.reduce((m, p) => Math.max(m, p.i, p.j), 0);
  const maxResidual = options.maxResidual ?? 0.5;
  const ndim = pairs[0]?.shift.length ?? 0;
  for (const p of pairs) {
    const ok =
      Number.isInteger(p.i) &&
      Number.isInteger(p.j) &&
      p.i !== p.j &&
      p.i >= 0 &&
      p.j >= 0 &&
      p.i < frames &&
      p.j < frames &&
      p.shift.length === ndim &&
      p.shift.every(Number.isFinite) &&
      (p.weight ?? 1) >= 0 &&
      Number.isFinite(p.weight ?? 1);
    if (!ok) {
      throw new MetdbError('invalid-argument', `redundantCrossCorrelation: bad pair (${p.i}, ${p.j})`, {
        details: { i: p.i, j: p.j },
      });
    }
  }
  const active = pairs.map((p) => (p.weight ?? 1) > 0);
  let solution = solve(pairs, active, frames, ndim);
  if (solution === null) {
    throw new MetdbError(
      'insufficient-data',
      'redundantCrossCorrelation: some frames are not connected to frame 0',
      { details: { frames, pairs: pairs.length } },
    );
  }
  const rejected: number[] = [];
  for (;;) {
    const x = solution.x;
    const norms = pairs.map((p, k) => (active[k] ? Math.hypot(...residual(p, x)) : -1));
    const order = norms
      .map((_, k) => k)
      .filter((k) => norms[k]! > maxResidual)
      .sort((a, b) => norms[b]! - norms[a]! || a - b);
    let dropped = false;
    for (const k of order) {
      active[k] = false;
      const next = solve(pairs, active, frames, ndim);
      if (next !== null) {
        solution = next;
        rejected.push(k);
        dropped = true;
        break;
      }
      active[k] = true;
    }
    if (!dropped) break;
  }
  const { x, factor } = solution;
  const variance = factor === null ? new Float64Array(0) : inverseDiagonal(factor);
  const residuals = pairs.map((p) => residual(p, x));
  let sw = 0;
  let kept = 0;
  const ssAxis = new Array<number>(ndim).fill(0);
  pairs.forEach((p, k) => {
    if (!active[k]) return;
    const w = p.weight ?? 1;
    residuals[k]!.forEach((r, a) => (ssAxis[a] = ssAxis[a]! + w * r * r));
    sw += w;
    kept++;
  });
  const dof = kept - (frames - 1);
  const errors = x.map((_, f) =>
    ssAxis.map((ss) => (f === 0 ? 0 : dof > 0 ? Math.sqrt((ss / dof) * variance[f - 1]!) : Number.NaN)),
  );
  const ss = ssAxis.reduce((a, b) => a + b, 0);
  return { shifts: x, errors, rejected, residuals, rms: sw > 0 ? Math.sqrt(ss / sw) : 0 };
}

function residual(p: PairShift, x: number[][]): number[] {
  return p.shift.map((d, a) => d - (x[p.j]![a]! - x[p.i]![a]!));
}

/**
 * Weighted least squares with x_0 = 0, and the normal matrix's factor (for the error estimate);
 * null when the active pairs leave a frame unconnected.
 */
function solve(
  pairs: readonly PairShift[],
  active: readonly boolean[],
  frames: number,
  ndim: number,
): { x: number[][]; factor: BandedCholesky | null } | null {
  const n = frames - 1;
  const x = Array.from({ length: frames }, () => new Array<number>(ndim).fill(0));
  if (n === 0) return { x, factor: null };
  let w = 0;
  pairs.forEach((p, k) => {
    if (active[k]) w = Math.max(w, Math.abs(p.j - p.i));
  });
  const stride = w + 1;
  const a = new Float64Array(n * stride);
  const rhs = Array.from({ length: ndim }, () => new Float64Array(n));
  pairs.forEach((p, k) => {
    if (!active[k]) return;
    const weight = p.weight ?? 1;
    // Row of the design matrix: +1 at j, -1 at i (frame 0 is fixed and drops out).
    const [r, c] = [p.j - 1, p.i - 1];
    if (r >= 0) a[r * stride + w] = a[r * stride + w]! + weight;
    if (c >= 0) a[c * stride + w] = a[c * stride + w]! + weight;
    if (r >= 0 && c >= 0) {
      const [hi, lo] = r > c ? [r, c] : [c, r];
      a[hi * stride + (lo - hi + w)] = a[hi * stride + (lo - hi + w)]! - weight;
    }
    for (let d = 0; d < ndim; d++) {
      const b = rhs[d]!;
      if (r >= 0) b[r] = b[r]! + weight * p.shift[d]!;
      if (c >= 0) b[c] = b[c]! - weight * p.shift[d]!;
    }
  });
  const factor = bandedCholesky(a, n, w);
  if (factor === null) return null;
  for (let d = 0; d < ndim; d++) {
    const solved = solveBanded(factor, rhs[d]!);
    for (let f = 1; f < frames; f++) x[f]![d] = solved[f - 1]!;
  }
  return { x, factor };
}
