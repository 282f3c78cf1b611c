import { MetdbError } from '../errors/metdb-error.js';
import {
  fitSectionTransform,
  isAffineModel,
  type AffineModel,
  type SectionTransform,
} from './section-transform.js';
import { fitResiduals, fitTransform } from '../registration/similarity/fit-transform.js';
import {
  applyMatrix,
  invertMatrix,
  multiplyMatrices,
  translationMatrix,
  type Matrix3,
} from '../registration/similarity/transform-matrix.js';

/** One tile's measurement under a planned transform: the shift left in the reference tile, [y, x]. */
export interface TileMatch {
  readonly region: { readonly start: readonly number[]; readonly size: readonly number[] };
  readonly shift: readonly number[];
  readonly weight: number;
  readonly skipped: boolean;
}

export interface FittedTileTransform {
  readonly matrix: Matrix3;
  /** Per tile: reference point minus the fitted image of its moving point, [y, x] pixels (null if unused). */
  readonly residuals: ([number, number] | null)[];
  /** Tiles dropped as outliers, and tiles without a usable shift (skipped, weight 0), by index. */
  readonly rejected: number[];
  readonly ignored: number[];
  readonly used: number;
  /** Weighted RMS of the used tiles' residuals, pixels. */
  readonly rms: number;
  /** An affine model with too little evidence, fitted as a shift instead (`fitSectionTransform`). */
  readonly flagged: SectionTransform['flagged'];
}

/**
 * The rigid or similarity transform of a tiled job: each usable tile gives a match, its centre c in
 * the reference and the moving point initial⁻¹(c) that the planned transform put there, moved by
 * the tile's residual shift; `fitTransform` solves the model over the matches in weighted least
 * squares (weights: the tiles' correlation quality), dropping matches more than 3 times the median
 * residual (and 0.5 px) off the fit, three rounds at most. With too few matches for the model, the
 * planned transform corrected by the matches' mean shift. The affine models are fitted by
 * `fitSectionTransform` (its own outlier rule; too little evidence: a shift, flagged).
 *
 * @throws MetdbError 'insufficient-data' when no tile is usable
 */
export function fitTileTransform(
  tiles: readonly TileMatch[],
  initial: Matrix3,
  model: 'rigid' | 'similarity' | AffineModel,
  options: { lambda?: number } = {},
): FittedTileTransform {
  const inverse = invertMatrix(initial);
  const ux: number[] = [];
  const uy: number[] = [];
  const vx: number[] = [];
  const vy: number[] = [];
  const weight: number[] = [];
  const ignored: number[] = [];
  tiles.forEach((t, i) => {
    const [dy, dx] = t.shift as [number, number];
    const usable = !t.skipped && t.weight > 0 && Number.isFinite(dx) && Number.isFinite(dy);
    if (!usable) ignored.push(i);
    const cx = t.region.start[1]! + (t.region.size[1]! - 1) / 2;
    const cy = t.region.start[0]! + (t.region.size[0]! - 1) / 2;
    const [mx, my] = applyMatrix(inverse, cx, cy);
    ux.push(mx);
    uy.push(my);
    vx.push(cx + (usable ? dx : 0));
    vy.push(cy + (usable ? dy : 0));
    weight.push(usable ? t.weight : 0);
  });
  const usable = weight.filter((w) => w > 0).length;
  if (usable === 0) throw new MetdbError('insufficient-data', 'no tile has a usable shift');
  const pairs = { ux, uy, vx, vy, weight };
  const rejected: number[] = [];
  let flagged: SectionTransform['flagged'] = null;
  let matrix: Matrix3 | null;
  if (isAffineModel(model)) {
    const fit = fitSectionTransform(pairs, model, options);
    for (const i of fit.outliers) {
      weight[i] = 0;
      rejected.push(i);
    }
    matrix = fit.matrix;
    flagged = fit.flagged;
  } else {
    matrix = fitRobust(pairs, weight, model, rejected);
  }
  if (matrix === null) {
    let sx = 0;
    let sy = 0;
    let sw = 0;
    weight.forEach((w, i) => {
      sx += w * (vx[i]! - applyMatrix(initial, ux[i]!, uy[i]!)[0]);
      sy += w * (vy[i]! - applyMatrix(initial, ux[i]!, uy[i]!)[1]);
      sw += w;
    });
    matrix = multiplyMatrices(translationMatrix([sy / sw, sx / sw]), initial);
  }
  const final = matrix;
  let sum = 0;
  let sw = 0;
  const residuals = tiles.map((_, i): [number, number] | null => {
    if (weight[i]! <= 0) return null;
    const [x, y] = applyMatrix(final, ux[i]!, uy[i]!);
    const r: [number, number] = [vy[i]! - y, vx[i]! - x];
    sum += weight[i]! * (r[0] ** 2 + r[1] ** 2);
    sw += weight[i]!;
    return r;
  });
  return {
    matrix: final,
    residuals,
    rejected,
    ignored,
    used: weight.filter((w) => w > 0).length,
    rms: Math.sqrt(sum / sw),
    flagged,
  };
}

/** `fitTransform` with matches beyond 3 x the median residual (and 0.5 px) dropped, three rounds at most. */
function fitRobust(
  pairs: Parameters<typeof fitTransform>[0],
  weight: number[],
  model: 'rigid' | 'similarity',
  rejected: number[],
): Matrix3 | null {
  let matrix = fitTransform(pairs, model);
  for (let round = 0; round < 3 && matrix !== null; round++) {
    const res = fitResiduals(pairs, matrix);
    const kept = [...res].filter((_, i) => weight[i]! > 0).sort((a, b) => a - b);
    const limit = Math.max(0.5, 3 * kept[kept.length >> 1]!);
    const drop = [...res.keys()].filter((i) => weight[i]! > 0 && res[i]! > limit);
    if (drop.length === 0 || kept.length - drop.length < 2) break;
    for (const i of drop) {
      weight[i] = 0;
      rejected.push(i);
    }
    matrix = fitTransform(pairs, model);
  }
  return matrix;
}
