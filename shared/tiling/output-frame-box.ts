import { MetdbError } from '../errors/metdb-error.js';
import type { OutputFrame } from '../messages/stack-alignment-settings.js';
import { applyMatrix, type Matrix3 } from '../registration/similarity/transform-matrix.js';

/** A rectangle of section 0's pixel grid: its first pixel (x, y, may be negative) and size. */
export interface FrameBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The rectangle of section 0's pixel grid an aligned stack is written in. `first`: section 0's
 * own frame; `pad`: the smallest one holding every transformed section whole (the FIB-SEM
 * toolkit's `pad_edges`); `crop`: a rectangle inside every transformed section (from each
 * section's corners: the innermost of its left corners to the innermost of its right ones, and
 * likewise in y; exact for shifts and scales, inside the section for small shears and rotations),
 * so no written pixel lacks data.
 *
 * @param transforms each section's matrix onto section 0 ((x, y) pixels, moving -> reference)
 * @param shape a section's (height, width)
 * @throws MetdbError 'insufficient-data' when `crop` leaves nothing (the sections do not overlap)
 */
export function outputFrameBox(
  transforms: readonly Matrix3[],
  shape: readonly [number, number],
  frame: OutputFrame,
): FrameBox {
  const [h, w] = shape;
  if (frame === 'first') return { x: 0, y: 0, width: w, height: h };
  const corners = transforms.map((m) => ({
    tl: applyMatrix(m, 0, 0),
    tr: applyMatrix(m, w - 1, 0),
    bl: applyMatrix(m, 0, h - 1),
    br: applyMatrix(m, w - 1, h - 1),
  }));
  // A tolerance keeps an exact integer edge from rounding outward.
  const eps = 1e-6;
  if (frame === 'pad') {
    const xs = corners.flatMap((c) => [c.tl[0], c.tr[0], c.bl[0], c.br[0]]);
    const ys = corners.flatMap((c) => [c.tl[1], c.tr[1], c.bl[1], c.br[1]]);
    const x0 = Math.min(0, Math.floor(Math.min(...xs) + eps));
    const y0 = Math.min(0, Math.floor(Math.min(...ys) + eps));
    const x1 = Math.max(w - 1, Math.ceil(Math.max(...xs) - eps));
    const y1 = Math.max(h - 1, Math.ceil(Math.max(...ys) - eps));
    return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }
  const x0 = Math.ceil(Math.max(...corners.map((c) => Math.max(c.tl[0], c.bl[0]))) - eps);
  const x1 = Math.floor(Math.min(...corners.map((c) => Math.min(c.tr[0], c.br[0]))) + eps);
  const y0 = Math.ceil(Math.max(...corners.map((c) => Math.max(c.tl[1], c.tr[1]))) - eps);
  const y1 = Math.floor(Math.min(...corners.map((c) => Math.min(c.bl[1], c.br[1]))) + eps);
  if (x1 < x0 || y1 < y0) {
    throw new MetdbError(
      'insufficient-data',
      'outputFrameBox: the sections have no region in common to crop to',
    );
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
