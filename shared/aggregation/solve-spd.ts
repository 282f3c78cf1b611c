/**
 * Solves A x = b for a small symmetric positive-definite matrix A (n x n, row-major, read only)
 * by Cholesky factorisation A = L L^T, for several right-hand sides at once. Returns null when A
 * is not numerically positive definite (a pivot below 1e-12 of the largest diagonal entry), e.g.
 * for a singular normal matrix.
 *
 * @param a row-major n x n matrix
 * @param rhs right-hand sides, each of length n
 */
export function solveSpd(a: Float64Array, n: number, rhs: readonly Float64Array[]): Float64Array[] | null {
  const l = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  const tiny = 1e-12 * (scale || 1);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > tiny)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return rhs.map((b) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = b[i]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
      x[i] = s / l[i * n + i]!;
    }
    return x;
  });
}
