import type { NdArray, PixelArray } from '../ndarray/ndarray.js';
import type { Matrix3 } from '../registration/similarity/transform-matrix.js';

/** One y-x plane of an image reduced for display, and how it maps to the full image. */
export interface ThumbnailPlane {
  /** The plane, [height, width], each pixel the mean of a `factor` x `factor` block. */
  readonly plane: NdArray<Float32Array>;
  /** Full-image pixels per thumbnail pixel along y and x. */
  readonly factor: number;
}

export interface ThumbnailPlaneOptions {
  /** Longest edge of the thumbnail, pixels. @default 128 */
  maxSize?: number;
  /** Full-image pixels per thumbnail pixel, instead of `maxSize` (to share a grid). @default from maxSize */
  factor?: number;
  /** The z plane of a 3D image. @default the middle plane */
  z?: number;
}

/**
 * A display-sized copy of an image's y-x plane by block means (area averaging, so that noise
 * does not alias into the thumbnail): the factor is the smallest integer that brings the longest
 * edge to `maxSize` or less; blocks cut by the image's edge average the pixels they hold.
 *
 * @param image pixels, axis order (z,) y, x
 */
export function thumbnailPlane(
  image: NdArray<PixelArray>,
  options: ThumbnailPlaneOptions = {},
): ThumbnailPlane {
  const { maxSize = 128 } = options;
  const shape = image.shape;
  const h = shape[shape.length - 2] ?? 1;
  const w = shape[shape.length - 1] ?? 1;
  const depth = shape.length >= 3 ? (shape[shape.length - 3] ?? 1) : 1;
  const z = Math.min(depth - 1, Math.max(0, Math.round(options.z ?? (depth - 1) / 2)));
  const factor = Math.max(1, Math.round(options.factor ?? Math.ceil(Math.max(h, w) / Math.max(1, maxSize))));
  const th = Math.ceil(h / factor);
  const tw = Math.ceil(w / factor);
  const sums = new Float64Array(th * tw);
  const counts = new Uint32Array(th * tw);
  const src = image.data;
  const offset = z * h * w;
  for (let y = 0; y < h; y++) {
    const row = ((y / factor) | 0) * tw;
    const base = offset + y * w;
    for (let x = 0; x < w; x++) {
      const v = src[base + x]!;
      if (!Number.isFinite(v)) continue;
      const k = row + ((x / factor) | 0);
      sums[k] = sums[k]! + v;
      counts[k] = counts[k]! + 1;
    }
  }
  const data = new Float32Array(th * tw);
  for (let k = 0; k < data.length; k++) data[k] = counts[k]! > 0 ? sums[k]! / counts[k]! : Number.NaN;
  return { plane: { data, shape: [th, tw] }, factor };
}

/**
 * A transform of full-image (x, y) pixels as the same transform of thumbnail pixels: thumbnail
 * pixel u covers full pixels f·u ... f·u + f - 1, whose centre is f·u + (f - 1) / 2.
 */
export function thumbnailMatrix(matrix: readonly (readonly number[])[], factor: number): Matrix3 {
  const c = (factor - 1) / 2;
  const m = (r: number, k: number) => matrix[r]?.[k] ?? (r === k ? 1 : 0);
  // S⁻¹ · M · S with S = [[f, 0, c], [0, f, c], [0, 0, 1]].
  const row = (r: number): [number, number, number] => [
    m(r, 0),
    m(r, 1),
    (m(r, 0) * c + m(r, 1) * c + m(r, 2) - c) / factor,
  ];
  return [row(0), row(1), [0, 0, 1]];
}
