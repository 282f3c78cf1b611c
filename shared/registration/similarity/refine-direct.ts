import type { NdArray } from '../../ndarray/ndarray.js';
import { binImage } from '../preprocess/bin-image.js';
import { gaussNewtonStep, type StepImages } from './gauss-newton-step.js';
import { cornerMotion } from './corner-motion.js';
import { smoothBinomial } from './smooth-binomial.js';
import {
  imageCentre,
  invertMatrix,
  multiplyMatrices,
  similarityMatrix,
  type Matrix3,
} from './transform-matrix.js';

/** The refined matrix and the evidence of the final level. */
export interface DirectRefinement {
  readonly matrix: Matrix3;
  /** RMS intensity difference after matching gain and offset, over the reference's standard deviation. */
  readonly residual: number;
  /** Fraction of the reference's pixels that the moving image covers. */
  readonly overlap: number;
}

export interface RefineDirectOptions {
  /** Finest level's binning; 1 is full resolution. @default 1 */
  finest?: number;
}

/**
 * Refines a rigid or similarity matrix by direct (intensity-based) Gauss-Newton alignment over the
 * whole overlap, coarse to fine: images binned by 4, 2, then 1 (`finest`), smoothed, up to 30 steps a
 * level until an update moves no corner by 0.01 px of the level. Uses every pixel, so it is precise
 * on low-texture images where local shifts are weak; it needs a start within a few pixels of the
 * coarsest level, which the Fourier-Mellin stage provides. Returns null if the overlap vanishes.
 */
export function refineDirect(
  reference: NdArray,
  moving: NdArray,
  start: Matrix3,
  rigid: boolean,
  options: RefineDirectOptions = {},
): DirectRefinement | null {
  const finest = options.finest ?? 1;
  const side = Math.min(...reference.shape, ...moving.shape);
  let matrix = start;
  let result: DirectRefinement | null = null;
  for (let factor = coarsest(side, finest); factor >= finest; factor /= 2) {
    const images = levelImages(reference, moving, factor);
    let toMoving = invertMatrix(toLevel(matrix, factor));
    const centre = imageCentre([images.height, images.width]);
    let last: { rms: number; count: number } | null = null;
    for (let iteration = 0; iteration < 30; iteration++) {
      const step = gaussNewtonStep(images, toMoving, rigid);
      if (step === null) return result;
      last = step;
      const [s, theta, tx, ty] = step.delta as unknown as [number, number, number, number];
      const update = similarityMatrix((theta * 180) / Math.PI, 1 + s, [ty, tx], centre);
      const next = multiplyMatrices(toMoving, invertMatrix(update));
      const moved = cornerMotion(next, toMoving, images.width, images.height);
      toMoving = next;
      if (moved < 0.01) break;
    }
    matrix = fromLevel(invertMatrix(toMoving), factor);
    if (last !== null) {
      result = {
        matrix,
        residual: last.rms / standardDeviation(images.reference),
        overlap: last.count / (images.width * images.height),
      };
    }
  }
  return result;
}

function coarsest(side: number, finest: number): number {
  let factor = finest;
  while (factor < 4 * finest && side / (factor * 2) >= 64) factor *= 2;
  return factor;
}

function levelImages(reference: NdArray, moving: NdArray, factor: number): StepImages {
  const prepare = (image: NdArray): NdArray<Float64Array> => {
    const binned = factor === 1 ? image : binImage(image, { factor });
    const data = Float64Array.from(binned.data);
    smoothBinomial(data, binned.shape[1]!, binned.shape[0]!);
    return { data, shape: binned.shape };
  };
  const r = prepare(reference);
  const m = prepare(moving);
  const [height, width] = r.shape as [number, number];
  const gx = new Float64Array(width * height);
  const gy = new Float64Array(width * height);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      gx[i] = (r.data[i + 1]! - r.data[i - 1]!) / 2;
      gy[i] = (r.data[i + width]! - r.data[i - width]!) / 2;
    }
  }
  return {
    reference: r.data,
    gx,
    gy,
    width,
    height,
    moving: m.data,
    movingWidth: m.shape[1]!,
    movingHeight: m.shape[0]!,
  };
}

/** Full-resolution matrix as a matrix between images binned by `factor` (bin k covers pixels f·k .. f·k + f - 1). */
function toLevel(m: Matrix3, factor: number): Matrix3 {
  return factor === 1 ? m : multiplyMatrices(binning(factor, -1), multiplyMatrices(m, binning(factor, 1)));
}

function fromLevel(m: Matrix3, factor: number): Matrix3 {
  return factor === 1 ? m : multiplyMatrices(binning(factor, 1), multiplyMatrices(m, binning(factor, -1)));
}

/** Bin coordinates to pixel coordinates (direction 1) or back (-1). */
export function binning(factor: number, direction: 1 | -1): Matrix3 {
  const o = (factor - 1) / 2;
  return direction === 1
    ? [
        [factor, 0, o],
        [0, factor, o],
        [0, 0, 1],
      ]
    : [
        [1 / factor, 0, -o / factor],
        [0, 1 / factor, -o / factor],
        [0, 0, 1],
      ];
}

function standardDeviation(values: Float64Array): number {
  let s = 0;
  let ss = 0;
  for (const v of values) {
    s += v;
    ss += v * v;
  }
  const n = values.length;
  return Math.sqrt(Math.max(0, ss / n - (s / n) ** 2)) || 1;
}
