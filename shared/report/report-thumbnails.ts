import type { ImageChannels } from '../imaging/image-channels.js';
import type { NdArray } from '../ndarray/ndarray.js';
import type { ImageResult } from '../outputs/image-result.js';
import {
  identityMatrix,
  translationMatrix,
  type Matrix3,
} from '../registration/similarity/transform-matrix.js';
import { warpToReference } from '../registration/warp-to-reference.js';
import { compositePng, displayRange, greyPng } from './thumbnail-png.js';
import { thumbnailMatrix, thumbnailPlane } from './thumbnail-plane.js';

/** An image's thumbnails, PNG data URIs, all on the reference's thumbnail grid. */
export interface ImageThumbnails {
  readonly imageId: string;
  /** Size of each thumbnail, pixels. */
  readonly width: number;
  readonly height: number;
  /** The image as it came in (for the reference: the reference). */
  readonly before: string;
  /** The image moved by its registration (null for the reference and unregistered images). */
  readonly after: string | null;
  /** Colour composites with the reference (magenta) before and after registration (green). */
  readonly overlayBefore: string | null;
  readonly overlayAfter: string | null;
}

export interface ReportThumbnailsOptions {
  /** Longest edge of a thumbnail, pixels: each costs about 20-40 KB of the report. @default 128 */
  maxSize?: number;
  /**
   * Images given thumbnails, the reference included; beyond it the failed and low-quality images
   * come first, then images evenly spread over the series (`pickThumbnailImages`). @default 24
   */
  maxImages?: number;
}

/** Far below any pixel: where a moved image has no data, shown black. */
const NO_DATA = -3e38;

/**
 * The report's thumbnails: each picked image before and after registration (channel 0, the middle
 * z plane of a stack), and colour composites against the reference. Images are read one at a time
 * (`readImage`, as `writeOutputs` reads them); an image that cannot be read gets none.
 */
export async function reportThumbnails(
  results: readonly ImageResult[],
  readImage: (result: ImageResult) => Promise<ImageChannels | undefined>,
  options: ReportThumbnailsOptions = {},
): Promise<ImageThumbnails[]> {
  const { maxSize = 128, maxImages = 24 } = options;
  const reference = results.find((r) => r.role === 'reference');
  if (reference === undefined) return [];
  const read = async (r: ImageResult) => (await readImage(r).catch(() => undefined))?.channels[0];
  const refImage = await read(reference);
  if (refImage === undefined) return [];
  const ref = thumbnailPlane(refImage, { maxSize });
  const refRange = displayRange(ref.plane);
  const [height = 1, width = 1] = ref.plane.shape;
  const grid = { imageId: reference.imageId, width, height };
  const out: ImageThumbnails[] = [
    {
      ...grid,
      before: await greyPng(ref.plane, refRange),
      after: null,
      overlayBefore: null,
      overlayAfter: null,
    },
  ];
  const onGrid = (plane: NdArray<Float32Array>, matrix: Matrix3) =>
    warpToReference(plane, matrix, {
      order: 1,
      cval: NO_DATA,
      outputShape: ref.plane.shape,
      dtype: 'float32',
    }) as NdArray<Float32Array>;
  for (const r of pickThumbnailImages(results, maxImages)) {
    if (r === reference) continue;
    const image = await read(r).catch(() => undefined);
    if (image === undefined) continue;
    const before = thumbnailPlane(image, { factor: ref.factor });
    const range = displayRange(before.plane);
    const beforeOnGrid = onGrid(before.plane, identityMatrix());
    const thumbs = {
      imageId: r.imageId,
      width,
      height,
      before: await greyPng(beforeOnGrid, range),
      overlayBefore: await compositePng(ref.plane, refRange, beforeOnGrid, range),
    };
    const moved = movedPlane(image, r, ref.factor, refImage.shape.length);
    if (moved === null) {
      out.push({ ...thumbs, after: null, overlayAfter: null });
      continue;
    }
    const after = onGrid(moved.plane, moved.matrix);
    out.push({
      ...thumbs,
      after: await greyPng(after, range),
      overlayAfter: await compositePng(ref.plane, refRange, after, range),
    });
  }
  return out;
}

/**
 * The plane whose registered position is the reference's shown plane, and the y-x transform that
 * moves it there in thumbnail pixels. A stack's z shift picks the plane: registered(z) = image(z -
 * shift_z); 2D rigid and similarity results move by their matrix, translations by their shift.
 */
function movedPlane(
  image: NdArray,
  r: ImageResult,
  factor: number,
  referenceNdim: number,
): { plane: NdArray<Float32Array>; matrix: Matrix3 } | null {
  if (r.shift === null) return null;
  const depth = image.shape.length === 3 ? image.shape[0]! : 1;
  const z = r.shift.length === 3 ? (depth - 1) / 2 - r.shift[0]! : undefined;
  if (z !== undefined && (Math.round(z) < 0 || Math.round(z) >= depth || referenceNdim !== 3)) return null;
  const full =
    r.shift.length === 2 && r.matrix !== undefined && r.matrix !== null && r.matrix.length === 3
      ? r.matrix
      : translationMatrix(r.shift);
  return {
    plane: thumbnailPlane(image, { factor, ...(z === undefined ? {} : { z }) }).plane,
    matrix: thumbnailMatrix(full, factor),
  };
}

/**
 * Which images get thumbnails when there are more than `maxImages`: the reference, then failed
 * and low-quality registrations (the ones to look at), then others evenly spread over the series;
 * returned in the series' order.
 */
export function pickThumbnailImages(results: readonly ImageResult[], maxImages: number): ImageResult[] {
  const readable = results.filter((r) => r.shape !== null);
  if (readable.length <= maxImages) return readable;
  const picked = new Set<ImageResult>();
  const add = (rs: readonly ImageResult[]) => {
    for (const r of rs) if (picked.size < maxImages) picked.add(r);
  };
  add(readable.filter((r) => r.role === 'reference'));
  add(readable.filter((r) => r.quality === 'failed' || r.quality === 'low'));
  const rest = readable.filter((r) => !picked.has(r));
  const room = maxImages - picked.size;
  if (room > 0) add(Array.from({ length: room }, (_, k) => rest[Math.floor((k * rest.length) / room)]!));
  return readable.filter((r) => picked.has(r));
}
