import { identityMatrix, type Matrix3, type TransformModel } from './transform-matrix.js';

/** Point correspondences: moving point (ux, uy) matches reference point (vx, vy), with a weight. */
export interface PointPairs {
  readonly ux: ArrayLike<number>;
  readonly uy: ArrayLike<number>;
  readonly vx: ArrayLike<number>;
  readonly vy: ArrayLike<number>;
  /** Non-negative weights; pairs of weight 0 are ignored. @default all 1 */
  readonly weight?: ArrayLike<number>;
}

/**
 * The matrix of `model` that best maps the moving points onto the reference points in the weighted
 * least-squares sense: translation (weighted mean offset), similarity (closed-form Procrustes with
 * scale, Umeyama 1991), rigid (the same rotation, scale 1) or affine (normal equations). Needs 1
 * pair for a translation, 2 for rigid and similarity, 3 (not collinear) for an affine; returns
 * null with fewer or a degenerate set.
 */
export function fitTransform(pairs: PointPairs, model: TransformModel): Matrix3 | null {
  const { ux, uy, vx, vy } = pairs;
  const n = ux.length;
  const w = (i: number): number => (pairs.weight === undefined ? 1 : pairs.weight[i]!);
  let sw = 0;
  let mux = 0;
  let muy = 0;
  let mvx = 0;
  let mvy = 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const wi = w(i);
    if (!(wi > 0)) continue;
    used++;
    sw += wi;
    mux += wi * ux[i]!;
    muy += wi * uy[i]!;
    mvx += wi * vx[i]!;
    mvy += wi * vy[i]!;
  }
  const needed = model === 'translation' ? 1 : model === 'affine' ? 3 : 2;
  if (used < needed || !(sw > 0)) return null;
  mux /= sw;
  muy /= sw;
  mvx /= sw;
  mvy /= sw;
  // Centred second moments: moving-moving and moving-reference.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let cxx = 0;
  let cxy = 0;
  let cyx = 0;
  let cyy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w(i);
    if (!(wi > 0)) continue;
    const px = ux[i]! - mux;
    const py = uy[i]! - muy;
    const qx = vx[i]! - mvx;
    const qy = vy[i]! - mvy;
    sxx += wi * px * px;
    sxy += wi * px * py;
    syy += wi * py * py;
    cxx += wi * px * qx;
    cxy += wi * px * qy;
    cyx += wi * py * qx;
    cyy += wi * py * qy;
  }
  let a = 1;
  let b = 0;
  let c = 0;
  let d = 1;
  if (model === 'similarity' || model === 'rigid') {
    const spread = sxx + syy;
    const re = cxx + cyy;
    const im = cxy - cyx;
    const norm = Math.hypot(re, im);
    if (!(spread > 0) || !(norm > 0)) return null;
    const k = model === 'rigid' ? 1 / norm : 1 / spread;
    a = d = re * k;
    c = im * k;
    b = -c;
  } else if (model === 'affine') {
    const det = sxx * syy - sxy * sxy;
    if (!(Math.abs(det) > 1e-12 * (sxx * syy + 1e-300))) return null;
    // [a b] solves [sxx sxy; sxy syy] [a; b] = [cxx; cyx], and [c d] likewise for y.
    a = (cxx * syy - cyx * sxy) / det;
    b = (cyx * sxx - cxx * sxy) / det;
    c = (cxy * syy - cyy * sxy) / det;
    d = (cyy * sxx - cxy * sxy) / det;
  }
  const m = identityMatrix();
  m[0] = [a, b, mvx - (a * mux + b * muy)];
  m[1] = [c, d, mvy - (c * mux + d * muy)];
  return m;
}

/** Distance, in pixels, between each reference point and the image of its moving point. */
export function fitResiduals(pairs: PointPairs, m: Matrix3): Float64Array {
  const out = new Float64Array(pairs.ux.length);
  for (let i = 0; i < out.length; i++) {
    const x = m[0][0] * pairs.ux[i]! + m[0][1] * pairs.uy[i]! + m[0][2];
    const y = m[1][0] * pairs.ux[i]! + m[1][1] * pairs.uy[i]! + m[1][2];
    out[i] = Math.hypot(x - pairs.vx[i]!, y - pairs.vy[i]!);
  }
  return out;
}
