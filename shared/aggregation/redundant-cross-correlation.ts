import { MetdbError } from '../errors/metdb-error.js';
import { solveSpd } from './solve-spd.js';

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
 * solved by Cholesky), then drops outlier pairs one by one (largest residual first) and solves
 * again.
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
      (p.weight ?? 1) >= 0;
    if (!ok) {
      throw new MetdbError('invalid-argument', `redundantCrossCorrelation: bad pair (${p.i}, ${p.j})`, {
        details: { i: p.i, j: p.j },
      });
    }
  }
  const active = pairs.map((p) => (p.weight ?? 1) > 0);
  let x = solve(pairs, active, frames, ndim);
  if (x === null) {
    throw new MetdbError(
      'insufficient-data',
      'redundantCrossCorrelation: some frames are not connected to frame 0',
      {
        details: { frames, pairs: pairs.length },
      },
    );
  }
  const rejected: number[] = [];
  for (;;) {
    const norms = pairs.map((p, k) => (active[k] ? Math.hypot(...residual(p, x!)) : -1));
    const order = norms
      .map((_, k) => k)
      .filter((k) => norms[k]! > maxResidual)
      .sort((a, b) => norms[b]! - norms[a]! || a - b);
    let dropped = false;
    for (const k of order) {
      active[k] = false;
      const next = solve(pairs, active, frames, ndim);
      if (next !== null) {
        x = next;
        rejected.push(k);
        dropped = true;
        break;
      }
      active[k] = true;
    }
    if (!dropped) break;
  }
  const final = x;
  const residuals = pairs.map((p) => residual(p, final));
  let ss = 0;
  let sw = 0;
  pairs.forEach((p, k) => {
    if (!active[k]) return;
    const w = p.weight ?? 1;
    ss += w * residuals[k]!.reduce((s, r) => s + r * r, 0);
    sw += w;
  });
  return { shifts: final, rejected, residuals, rms: sw > 0 ? Math.sqrt(ss / sw) : 0 };
}

function residual(p: PairShift, x: number[][]): number[] {
  return p.shift.map((d, a) => d - (x[p.j]![a]! - x[p.i]![a]!));
}

/** Weighted least squares with x_0 = 0; null when the active pairs leave a frame unconnected. */
function solve(
  pairs: readonly PairShift[],
  active: readonly boolean[],
  frames: number,
  ndim: number,
): number[][] | null {
  const n = frames - 1;
  const zero = (): number[][] => Array.from({ length: frames }, () => new Array<number>(ndim).fill(0));
  if (n === 0) return zero();
  const a = new Float64Array(n * n);
  const rhs = Array.from({ length: ndim }, () => new Float64Array(n));
  pairs.forEach((p, k) => {
    if (!active[k]) return;
    const w = p.weight ?? 1;
    // Row of the design matrix: +1 at j, -1 at i (frame 0 is fixed and drops out).
    const entries: [number, number][] = [
      [p.j - 1, 1],
      [p.i - 1, -1],
    ];
    for (const [r, sr] of entries) {
      if (r < 0) continue;
      for (const [c, sc] of entries) if (c >= 0) a[r * n + c] = a[r * n + c]! + w * sr * sc;
      for (let d = 0; d < ndim; d++) {
        const b = rhs[d]!;
        b[r] = b[r]! + w * sr * p.shift[d]!;
      }
    }
  });
  const solved = solveSpd(a, n, rhs);
  if (solved === null) return null;
  const x = zero();
  for (let f = 1; f < frames; f++) for (let d = 0; d < ndim; d++) x[f]![d] = solved[d]![f - 1]!;
  return x;
}
