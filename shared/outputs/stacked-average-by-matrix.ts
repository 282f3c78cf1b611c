import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import {
  applyMatrix,
  imageCorners,
  invertMatrix,
  type Matrix3,
} from '../registration/similarity/transform-matrix.js';
import type { StackedAverage, StackedAverageOptions } from './stacked-average.js';

/**
 * The stacked average of 2D frames registered by matrices (x, y pixels, frame -> reference; any
 * model): every canvas pixel q averages the frames whose pixel matrix⁻¹ · q lies inside them,
 * sampled bilinearly. 'full': the canvas is the bounding box of every frame's corners in reference
 * pixels (the union; pixels no frame covers are 0); 'overlap': the bounding box of the pixels every
 * frame covers (rotated frames meet in a polygon: its box, each pixel still averaging the frames
 * that cover it).
 *
 * @throws MetdbError 'invalid-argument' with no frames or a frame not 2D, 'empty-array' when the
 *   frames have no common pixel and `crop` is 'overlap'
 */
export function stackedAverageByMatrix(
  frames: readonly { image: NdArray; matrix: Matrix3 }[],
  options: StackedAverageOptions = {},
): StackedAverage {
  const { crop = 'full' } = options;
  if (frames.length === 0 || frames.some((f) => f.image.shape.length !== 2)) {
    throw new MetdbError('invalid-argument', 'stackedAverageByMatrix: needs 2D frames');
  }
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const { image, matrix } of frames) {
    for (const [x, y] of imageCorners(image.shape)) {
      const [rx, ry] = applyMatrix(matrix, x, y);
      x0 = Math.min(x0, rx);
      y0 = Math.min(y0, ry);
      x1 = Math.max(x1, rx);
      y1 = Math.max(y1, ry);
    }
  }
  const ox = Math.ceil(x0 - 1e-9);
  const oy = Math.ceil(y0 - 1e-9);
  const width = Math.floor(x1 + 1e-9) - ox + 1;
  const height = Math.floor(y1 + 1e-9) - oy + 1;
  const sum = new Float64Array(width * height);
  const count = new Uint16Array(width * height);
  for (const { image, matrix } of frames) {
    const [h, w] = image.shape as [number, number];
    const [[a, b, c], [d, e, f]] = invertMatrix(matrix);
    const src = image.data;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = a * (x + ox) + b * (y + oy) + c;
        const v = d * (x + ox) + e * (y + oy) + f;
        if (!(u >= -1e-9 && v >= -1e-9 && u <= w - 1 + 1e-9 && v <= h - 1 + 1e-9)) continue;
        const u0 = Math.min(Math.max(Math.floor(u), 0), Math.max(w - 2, 0));
        const v0 = Math.min(Math.max(Math.floor(v), 0), Math.max(h - 2, 0));
        const tu = Math.min(Math.max(u - u0, 0), 1);
        const tv = Math.min(Math.max(v - v0, 0), 1);
        const k = v0 * w + u0;
        const right = w > 1 ? 1 : 0;
        const down = h > 1 ? w : 0;
        const top = src[k]! + tu * (src[k + right]! - src[k]!);
        const bottom = src[k + down]! + tu * (src[k + down + right]! - src[k + down]!);
        sum[y * width + x] = sum[y * width + x]! + top + tv * (bottom - top);
        count[y * width + x] = count[y * width + x]! + 1;
      }
    }
  }
  let box = { x: 0, y: 0, w: width, h: height };
  if (crop === 'overlap') {
    let bx0 = Infinity;
    let by0 = Infinity;
    let bx1 = -1;
    let by1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (count[y * width + x] !== frames.length) continue;
        bx0 = Math.min(bx0, x);
        by0 = Math.min(by0, y);
        bx1 = Math.max(bx1, x);
        by1 = Math.max(by1, y);
      }
    }
    if (bx1 < 0)
      throw new MetdbError('empty-array', 'stackedAverageByMatrix: the frames have no common pixel');
    box = { x: bx0, y: by0, w: bx1 - bx0 + 1, h: by1 - by0 + 1 };
  }
  const image = new Float32Array(box.w * box.h);
  const coverage = new Uint16Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      const i = (y + box.y) * width + x + box.x;
      const n = count[i]!;
      coverage[y * box.w + x] = n;
      image[y * box.w + x] = n === 0 ? 0 : sum[i]! / n;
    }
  }
  return {
    image: { data: image, shape: [box.h, box.w] },
    origin: [oy + box.y, ox + box.x],
    coverage: { data: coverage, shape: [box.h, box.w] },
  };
}
