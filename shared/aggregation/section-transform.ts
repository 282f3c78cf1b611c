import type { PointPairs } from '../registration/similarity/fit-transform.js';
import type { Matrix3 } from '../registration/similarity/transform-matrix.js';
import { solveSpd } from './solve-spd.js';

/**
 * Models of a section-to-section transform, from the FIB-SEM registration toolkit: a shift;
 * x-scale + shift (the milling direction's stretch); independent x and y scales + shift; a general
 * affine; and an affine regularised toward a shift.
 */
export type SectionModel = 'translation' | AffineModel;

/** The section models beyond a shift, as `model` in `metdb.json`, reprocess messages and `metdb register`. */
export const AFFINE_MODELS = ['affine', 'xscale-shift', 'scale-shift', 'regularized-affine'] as const;
export type AffineModel = (typeof AFFINE_MODELS)[number];

export function isAffineModel(model: unknown): model is AffineModel {
  return (AFFINE_MODELS as readonly unknown[]).includes(model);
}

/** 'regularized-affine''s strength when none is given. */
export const DEFAULT_LAMBDA = 0.1;

export interface FitSectionTransformOptions {
  /**
   * Strength of 'regularized-affine''s pull toward a shift: the penalty is lambda times the sum of
   * weights times |L - I|^2 r^2 (L the linear part, r the RMS distance of the points from their
   * centroid), so lambda = 1 weighs like the data. 0 is a plain affine.
   * @default 0.1
   */
  lambda?: number;
  /** Residuals (px) below this are never outliers. @default 1 */
  minOutlierDistance?: number;
  /** Fewer inliers than this for a model beyond a shift: fall back to a shift, flagged. @default 6 */
  minPoints?: number;
}

export interface SectionTransform {
  /** Maps points of the moving section onto the reference section (Met-db's matrix convention). */
  readonly matrix: Matrix3;
  /** The model fitted (a shift when the requested one had too little evidence). */
  readonly model: SectionModel;
  /** Weighted centroid (x, y) of the inlier moving points: where the evidence is. */
  readonly centroid: readonly [number, number];
  readonly inliers: number;
  /** Indices of the points with a positive weight that were dropped as outliers. */
  readonly outliers: number[];
  /** RMS residual of the inliers, pixels. */
  readonly residualRms: number;
  /** Set when the fit is not to be trusted as asked: why. */
  readonly flagged: 'no-points' | 'too-few-points' | null;
}

/**
 * Least-squares fit of a section transform to point pairs (tile centres and where their shifts
 * put them), weighted, with outliers rejected: residuals beyond max(minOutlierDistance, 3 x 1.4826
 * x their median) are dropped and the fit repeated (up to 3 times). Coordinates are centred and
 * scaled before solving.
 */
export function fitSectionTransform(
  pairs: PointPairs,
  model: SectionModel,
  options: FitSectionTransformOptions = {},
): SectionTransform {
  const { lambda = DEFAULT_LAMBDA, minOutlierDistance = 1, minPoints = 6 } = options;
  const n = pairs.ux.length;
  let used = Float64Array.from({ length: n }, (_, i) => Math.max(0, pairs.weight?.[i] ?? 1));
  let fit = solve(pairs, used, model, lambda);
  for (let round = 0; round < 3 && fit !== null; round++) {
    const residuals = residualsOf(pairs, fit.matrix);
    const active = residuals.filter((_, i) => used[i]! > 0).sort((p, q) => p - q);
    const median = active[Math.floor(active.length / 2)] ?? 0;
    const limit = Math.max(minOutlierDistance, 3 * 1.4826 * median);
    const next = used.map((w, i) => (residuals[i]! > limit ? 0 : w));
    if (next.every((w, i) => w === used[i])) break;
    used = next;
    fit = solve(pairs, used, model, lambda);
  }
  const inliers = used.filter((w) => w > 0).length;
  const outliers = [...used.keys()].filter((i) => used[i] === 0 && (pairs.weight?.[i] ?? 1) > 0);
  if (fit !== null && (model === 'translation' || inliers >= minPoints)) {
    return { ...fit, model, inliers, outliers, residualRms: rms(pairs, fit.matrix, used), flagged: null };
  }
  // Too little evidence for the model: a shift, flagged, so that the stack is bridged, not bent.
  const shift = solve(pairs, used, 'translation', 0);
  if (shift === null) {
    const identity: Matrix3 = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    return {
      matrix: identity,
      model: 'translation',
      centroid: [0, 0],
      inliers: 0,
      outliers,
      residualRms: Number.NaN,
      flagged: 'no-points',
    };
  }
  return {
    ...shift,
    model: 'translation',
    inliers,
    outliers,
    residualRms: rms(pairs, shift.matrix, used),
    flagged: 'too-few-points',
  };
}

/** Which linear coefficients each output row fits: [x-row uses px, py], [y-row uses px, py]. */
const FREE: Record<SectionModel, readonly [readonly [boolean, boolean], readonly [boolean, boolean]]> = {
  translation: [
    [false, false],
    [false, false],
  ],
  'xscale-shift': [
    [true, false],
    [false, false],
  ],
  'scale-shift': [
    [true, false],
    [false, true],
  ],
  affine: [
    [true, true],
    [true, true],
  ],
  'regularized-affine': [
    [true, true],
    [true, true],
  ],
};

function solve(pairs: PointPairs, w: Float64Array, model: SectionModel, lambda: number) {
  const n = w.length;
  let sw = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    mx += w[i]! * pairs.ux[i]!;
    my += w[i]! * pairs.uy[i]!;
  }
  if (!(sw > 0)) return null;
  mx /= sw;
  my /= sw;
  let r2 = 0;
  for (let i = 0; i < n; i++) r2 += w[i]! * ((pairs.ux[i]! - mx) ** 2 + (pairs.uy[i]! - my) ** 2);
  const r = Math.sqrt(r2 / sw) || 1;
  const penalty = model === 'regularized-affine' ? lambda * sw : 0;
  const matrix: Matrix3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let row = 0; row < 2; row++) {
    const free = FREE[model][row]!;
    // Features: the free normalised coordinates, then 1. Fixed coefficients are identity's.
    const features = [free[0] ? 0 : -1, free[1] ? 1 : -1].filter((k) => k >= 0);
    const m = features.length + 1;
    const a = new Float64Array(m * m);
    const b = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      if (!(w[i]! > 0)) continue;
      const p = [(pairs.ux[i]! - mx) / r, (pairs.uy[i]! - my) / r];
      const f = [...features.map((k) => p[k]!), 1];
      // Target minus the fixed identity part (the coordinate itself when its coefficient is fixed at 1).
      const own = row === 0 ? pairs.ux[i]! : pairs.uy[i]!;
      const target = (row === 0 ? pairs.vx[i]! : pairs.vy[i]!) - (free[row] ? mean(row, mx, my) : own);
      for (let j = 0; j < m; j++) {
        b[j]! += w[i]! * f[j]! * target;
        for (let k = 0; k < m; k++) a[j * m + k]! += w[i]! * f[j]! * f[k]!;
      }
    }
    features.forEach((k, j) => {
      a[j * m + j]! += penalty;
      if (k === row) b[j]! += penalty * r;
    });
    const solved = solveSpd(a, m, [b]);
    if (solved === null) return null;
    const c = solved[0]!;
    // v = sum_k c_k (u_k - m_k) / r + c_last (+ the fixed part), back to matrix form.
    let offset = c[m - 1]!;
    const linear = [0, 0];
    features.forEach((k, j) => {
      linear[k] = c[j]! / r;
      offset -= (c[j]! / r) * (k === 0 ? mx : my);
    });
    if (free[row]) offset += mean(row, mx, my);
    else linear[row] = 1;
    matrix[row] = [linear[0]!, linear[1]!, offset];
  }
  return { matrix, centroid: [mx, my] as const };
}

/** The centroid coordinate of a row, added back where the row's own coefficient is free. */
function mean(row: number, mx: number, my: number): number {
  return row === 0 ? mx : my;
}

function residualsOf(pairs: PointPairs, m: Matrix3): Float64Array {
  return Float64Array.from({ length: pairs.ux.length }, (_, i) => {
    const x = m[0][0] * pairs.ux[i]! + m[0][1] * pairs.uy[i]! + m[0][2];
    const y = m[1][0] * pairs.ux[i]! + m[1][1] * pairs.uy[i]! + m[1][2];
    return Math.hypot(x - pairs.vx[i]!, y - pairs.vy[i]!);
  });
}

function rms(pairs: PointPairs, m: Matrix3, w: Float64Array): number {
  const residuals = residualsOf(pairs, m);
  let s = 0;
  let sw = 0;
  residuals.forEach((d, i) => {
    s += w[i]! * d * d;
    sw += w[i]!;
  });
  return sw > 0 ? Math.sqrt(s / sw) : Number.NaN;
}
