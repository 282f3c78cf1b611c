/**
 * Cholesky factor L (A = L L^T) of a symmetric positive-definite band matrix, kept as its band:
 * row i holds L[i][i - bandwidth .. i] at `band[i * (bandwidth + 1) + (k - i + bandwidth)]`.
 * The normal equations of a series' pairs within `w` frames of each other have bandwidth `w`, so
 * factorising costs O(n w^2) instead of O(n^3).
 */
export interface BandedCholesky {
  readonly n: number;
  readonly bandwidth: number;
  readonly band: Float64Array;
}

/**
 * Factorises the band matrix given in the same layout (lower band of A, row by row). Returns null
 * when A is not numerically positive definite (a pivot below 1e-12 of the largest diagonal entry),
 * e.g. the normal matrix of a series whose pairs leave a frame unconnected.
 */
export function bandedCholesky(a: Float64Array, n: number, bandwidth: number): BandedCholesky | null {
  const w = bandwidth;
  const stride = w + 1;
  const l = new Float64Array(n * stride);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * stride + w]!));
  const tiny = 1e-12 * (scale || 1);
  for (let i = 0; i < n; i++) {
    const first = Math.max(0, i - w);
    for (let j = first; j <= i; j++) {
      // L[i][j] = (A[i][j] - sum_k L[i][k] L[j][k]) / L[j][j], k from max(first, j - w) to j - 1.
      let s = a[i * stride + (j - i + w)]!;
      const k0 = Math.max(first, j - w);
      for (let k = k0; k < j; k++) s -= l[i * stride + (k - i + w)]! * l[j * stride + (k - j + w)]!;
      if (j === i) {
        if (!(s > tiny)) return null;
        l[i * stride + w] = Math.sqrt(s);
      } else {
        l[i * stride + (j - i + w)] = s / l[j * stride + w]!;
      }
    }
  }
  return { n, bandwidth: w, band: l };
}

/** Solves L L^T x = b. */
export function solveBanded(factor: BandedCholesky, b: ArrayLike<number>): Float64Array {
  const { n, bandwidth: w, band } = factor;
  const stride = w + 1;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = Math.max(0, i - w); k < i; k++) s -= band[i * stride + (k - i + w)]! * y[k]!;
    y[i] = s / band[i * stride + w]!;
  }
  const x = y;
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k <= Math.min(n - 1, i + w); k++) s -= band[k * stride + (i - k + w)]! * x[k]!;
    x[i] = s / band[i * stride + w]!;
  }
  return x;
}

/**
 * The diagonal of A^-1 = L^-T L^-1: (A^-1)_kk = |L^-1 e_k|^2, each column found by forward
 * substitution from row k on. O(n^2 w); the variances of a least-squares solution up to the
 * residual variance factor.
 */
export function inverseDiagonal(factor: BandedCholesky): Float64Array {
  const { n, bandwidth: w, band } = factor;
  const stride = w + 1;
  const out = new Float64Array(n);
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = k; i < n; i++) {
      let s = i === k ? 1 : 0;
      for (let j = Math.max(k, i - w); j < i; j++) s -= band[i * stride + (j - i + w)]! * y[j]!;
      y[i] = s / band[i * stride + w]!;
      sum += y[i]! * y[i]!;
    }
    out[k] = sum;
  }
  return out;
}
