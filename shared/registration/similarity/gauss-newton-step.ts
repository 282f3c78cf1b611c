import type { Matrix3 } from './transform-matrix.js';

/** One level's images for `gaussNewtonStep`: the reference, its gradients, the moving image (float, row-major). */
export interface StepImages {
  readonly reference: Float64Array;
  readonly gx: Float64Array;
  readonly gy: Float64Array;
  readonly width: number;
  readonly height: number;
  readonly moving: Float64Array;
  readonly movingWidth: number;
  readonly movingHeight: number;
}

/** What one step measured: the parameter update and the fit's state before it. */
export interface StepResult {
  /** Update of (scale - 1, rotation, tx, ty) about the reference centre; rotation and scale in the small-angle form. */
  readonly delta: Float64Array;
  /** RMS of the photometrically matched difference over the overlap. */
  readonly rms: number;
  /** Reference pixels in the overlap. */
  readonly count: number;
}

/**
 * One Gauss-Newton step of the direct (intensity) alignment of a moving image onto a reference:
 * the moving image is sampled bilinearly at `toMoving` of every reference pixel, matched in gain
 * and offset to the reference over the overlap, and the update of the similarity (or, with
 * `rigid`, of rotation and translation) about the reference centre is solved from the normal
 * equations built with the reference's gradients (as the inverse-compositional algorithm of Baker
 * and Matthews, IJCV 56, 221, 2004, with the Hessian summed over the current overlap).
 */
export function gaussNewtonStep(images: StepImages, toMoving: Matrix3, rigid: boolean): StepResult | null {
  const { reference, gx, gy, width, height, moving, movingWidth: mw, movingHeight: mh } = images;
  const [[a, b, c], [d, e, f]] = toMoving;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const warped = new Float64Array(width * height);
  const valid = new Uint8Array(width * height);
  let n = 0;
  let si = 0;
  let sr = 0;
  let sir = 0;
  let srr = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const u = a * x + b * y + c;
      const v = d * x + e * y + f;
      if (!(u >= 0 && v >= 0 && u < mw - 1 && v < mh - 1)) continue;
      const u0 = Math.floor(u);
      const v0 = Math.floor(v);
      const tu = u - u0;
      const tv = v - v0;
      const k = v0 * mw + u0;
      const top = moving[k]! + tu * (moving[k + 1]! - moving[k]!);
      const bottom = moving[k + mw]! + tu * (moving[k + mw + 1]! - moving[k + mw]!);
      const w = top + tv * (bottom - top);
      const i = y * width + x;
      const r = reference[i]!;
      warped[i] = w;
      valid[i] = 1;
      n++;
      si += w;
      sr += r;
      sir += w * r;
      srr += r * r;
    }
  }
  if (n < 64) return null;
  const varR = srr - (sr * sr) / n;
  const cov = sir - (si * sr) / n;
  if (!(varR > 0) || !(cov > 0)) return null;
  const gain = cov / varR;
  const offset = (si - gain * sr) / n;
  // Normal equations of the four similarity parameters (scale, rotation, tx, ty), summed in scalars.
  let h00 = 0,
    h01 = 0,
    h02 = 0,
    h03 = 0,
    h11 = 0,
    h12 = 0,
    h13 = 0,
    h22 = 0,
    h23 = 0,
    h33 = 0;
  let g0 = 0,
    g1 = 0,
    g2 = 0,
    g3 = 0;
  let sse = 0;
  for (let y = 1; y < height - 1; y++) {
    const ry = y - cy;
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (valid[i] === 0) continue;
      const rx = x - cx;
      const err = (warped[i]! - offset) / gain - reference[i]!;
      sse += err * err;
      const dx = gx[i]!;
      const dy = gy[i]!;
      // d(warp)/d(params) at (rx, ry): scale (rx, ry), rotation (-ry, rx), tx (1, 0), ty (0, 1)
      const s0 = dx * rx + dy * ry;
      const s1 = dy * rx - dx * ry;
      h00 += s0 * s0;
      h01 += s0 * s1;
      h02 += s0 * dx;
      h03 += s0 * dy;
      h11 += s1 * s1;
      h12 += s1 * dx;
      h13 += s1 * dy;
      h22 += dx * dx;
      h23 += dx * dy;
      h33 += dy * dy;
      g0 += s0 * err;
      g1 += s1 * err;
      g2 += dx * err;
      g3 += dy * err;
    }
  }
  const solved = rigid
    ? solveSmall(Float64Array.of(h11, h12, h13, h12, h22, h23, h13, h23, h33), Float64Array.of(g1, g2, g3), 3)
    : solveSmall(
        Float64Array.of(h00, h01, h02, h03, h01, h11, h12, h13, h02, h12, h22, h23, h03, h13, h23, h33),
        Float64Array.of(g0, g1, g2, g3),
        4,
      );
  if (solved === null) return null;
  const delta = rigid ? Float64Array.of(0, solved[0]!, solved[1]!, solved[2]!) : solved;
  return { delta, rms: Math.sqrt(sse / n), count: n };
}

/** Gaussian elimination with partial pivoting of a small dense system; null when singular. */
function solveSmall(m: Float64Array, rhs: Float64Array, n: number): Float64Array | null {
  const a = Float64Array.from(m);
  const x = Float64Array.from(rhs);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (!(Math.abs(a[pivot * n + col]!) > 1e-300)) return null;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k]!, a[col * n + k]!];
      [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col]! / a[col * n + col]!;
      for (let k = col; k < n; k++) a[r * n + k] = a[r * n + k]! - factor * a[col * n + k]!;
      x[r] = x[r]! - factor * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}
