/**
 * Met-db's one transform convention: a 3x3 homogeneous matrix in (x, y) pixel coordinates, origin
 * at the centre of the top-left pixel (pixel row i, column j is the point x = j, y = i), that maps
 * a point of the moving image onto the matching point of the reference:
 *
 *     [x_ref, y_ref, 1]^T = matrix · [x_mov, y_mov, 1]^T
 *
 * A translation `shift` [y, x] (the shift that registers moving onto reference, as
 * `phaseCrossCorrelation` returns it) is [[1, 0, shift_x], [0, 1, shift_y], [0, 0, 1]].
 */
export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];

/** The transform models, from the fewest parameters: shift; rotation + shift; + uniform scale; general affine. */
export type TransformModel = 'translation' | 'rigid' | 'similarity' | 'affine';

export function identityMatrix(): Matrix3 {
  return [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
}

/** The matrix of a 2D translation `shift` [y, x] (the axis order of shifts everywhere in Met-db). */
export function translationMatrix(shift: readonly number[]): Matrix3 {
  const [sy = 0, sx = 0] = shift.length >= 2 ? shift.slice(-2) : [0, 0];
  return [
    [1, 0, sx],
    [0, 1, sy],
    [0, 0, 1],
  ];
}

/**
 * The similarity that rotates by `angle` degrees and scales by `scale` about `centre` (x, y), then
 * translates by `shift` [y, x]. Positive angles turn +x toward +y: clockwise as an image is shown
 * (y down). The centre maps to centre + shift.
 */
export function similarityMatrix(
  angle: number,
  scale: number,
  shift: readonly number[],
  centre: readonly [number, number],
): Matrix3 {
  const a = (angle * Math.PI) / 180;
  const c = scale * Math.cos(a);
  const s = scale * Math.sin(a);
  const [cx, cy] = centre;
  const [sy = 0, sx = 0] = shift;
  return [
    [c, -s, cx + sx - (c * cx - s * cy)],
    [s, c, cy + sy - (s * cx + c * cy)],
    [0, 0, 1],
  ];
}

/** The parameters of a matrix's similarity part: angle (degrees, (-180, 180]), scale, and the shift [y, x] of `centre`. */
export function similarityParameters(
  m: Matrix3,
  centre: readonly [number, number],
): { angle: number; scale: number; shift: [number, number] } {
  const a = (m[0][0] + m[1][1]) / 2;
  const b = (m[1][0] - m[0][1]) / 2;
  const [x, y] = applyMatrix(m, centre[0], centre[1]);
  return {
    angle: (Math.atan2(b, a) * 180) / Math.PI,
    scale: Math.hypot(a, b),
    shift: [y - centre[1], x - centre[0]],
  };
}

/** The centre of an image of `shape` (…, height, width) in (x, y) pixel coordinates. */
export function imageCentre(shape: readonly number[]): [number, number] {
  const h = shape[shape.length - 2] ?? 1;
  const w = shape[shape.length - 1] ?? 1;
  return [(w - 1) / 2, (h - 1) / 2];
}

/** The pixel centres of an image's four corners, (x, y): top-left, top-right, bottom-left, bottom-right. */
export function imageCorners(shape: readonly number[]): [number, number][] {
  const h = shape[shape.length - 2] ?? 1;
  const w = shape[shape.length - 1] ?? 1;
  return [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ];
}

/** a · b: first b, then a. */
export function multiplyMatrices(a: Matrix3, b: Matrix3): Matrix3 {
  const out = identityMatrix();
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i]![j] = a[i]![0] * b[0][j]! + a[i]![1] * b[1][j]! + a[i]![2] * b[2][j]!;
  }
  return out;
}

/** The inverse of an affine matrix (last row 0, 0, 1). */
export function invertMatrix(m: Matrix3): Matrix3 {
  const [[a, b, c], [d, e, f]] = m;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError('the matrix is singular');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [
    [ia, ib, -(ia * c + ib * f)],
    [id, ie, -(id * c + ie * f)],
    [0, 0, 1],
  ];
}

/** The image of point (x, y). */
export function applyMatrix(m: Matrix3, x: number, y: number): [number, number] {
  return [m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]];
}

/**
 * The homogeneous matrix of a translation of any dimension, in (x, y(, z)) order: 3x3 for a 2D
 * shift [y, x] (as `translationMatrix`), 4x4 for a 3D shift [z, y, x]. What every translation
 * result carries as its `matrix`.
 */
export function shiftMatrix(shift: readonly number[]): number[][] {
  const n = shift.length;
  const xyz = [...shift].reverse();
  return Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (j === n ? (i < n ? xyz[i]! : 1) : i === j ? 1 : 0)),
  );
}
