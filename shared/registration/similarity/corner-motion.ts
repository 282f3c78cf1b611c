import { applyMatrix, imageCorners, type Matrix3 } from './transform-matrix.js';

/** Largest distance between the images of the moving image's corners under two matrices. */
export function cornerMotion(a: Matrix3, b: Matrix3, width: number, height: number): number {
  let worst = 0;
  for (const [x, y] of imageCorners([height, width])) {
    const [ax, ay] = applyMatrix(a, x, y);
    const [bx, by] = applyMatrix(b, x, y);
    worst = Math.max(worst, Math.hypot(ax - bx, ay - by));
  }
  return worst;
}
