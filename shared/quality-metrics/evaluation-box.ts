import { MetdbError } from '../errors/metdb-error.js';
import { ndarray, type NdArray } from '../ndarray/ndarray.js';

/**
 * A rectangle in the (y, x) plane, pixels: columns x .. x + width - 1, rows y .. y + height - 1
 * (the FIB-SEM toolkit's "evaluation box"). In a stack it applies to every section.
 */
export interface EvaluationBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The region two images are compared over: `box` when given (it must lie inside both), otherwise
 * the largest region both images cover from their first pixel (the whole image when the shapes are
 * equal). Stacks must have the same number of sections.
 *
 * @throws MetdbError 'shape-mismatch' (different number of axes or sections), 'invalid-argument'
 *   (a box that is empty, fractional or outside an image)
 */
export function commonBox(a: readonly number[], b: readonly number[], box?: EvaluationBox): EvaluationBox {
  if (a.length !== b.length || a.length < 2 || a.length > 3 || (a.length === 3 && a[0] !== b[0])) {
    throw new MetdbError(
      'shape-mismatch',
      `images of shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be compared: need two 2D images or two stacks of as many sections`,
      { details: { a: [...a], b: [...b] } },
    );
  }
  const [ha, wa] = a.slice(-2) as [number, number];
  const [hb, wb] = b.slice(-2) as [number, number];
  const common = { x: 0, y: 0, width: Math.min(wa, wb), height: Math.min(ha, hb) };
  if (box === undefined) return common;
  checkBox(box, common.height, common.width);
  return box;
}

/** The pixels of `image` inside `box` (every section of a stack), as a new array. */
export function cropToBox(image: NdArray, box: EvaluationBox): NdArray<Float64Array> {
  const { shape, data } = image;
  const [h, w] = shape.slice(-2) as [number, number];
  checkBox(box, h, w);
  const sections = shape.length === 3 ? shape[0]! : 1;
  const out = new Float64Array(sections * box.height * box.width);
  let o = 0;
  for (let z = 0; z < sections; z++) {
    for (let y = box.y; y < box.y + box.height; y++) {
      const row = (z * h + y) * w + box.x;
      for (let x = 0; x < box.width; x++) out[o++] = data[row + x]!;
    }
  }
  const planeShape = [box.height, box.width];
  return ndarray(out, shape.length === 3 ? [sections, ...planeShape] : planeShape);
}

/** Parses "x,y,w,h" (the command line's --box). */
export function parseEvaluationBox(text: string): EvaluationBox {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.length !== 4 || parts.some((s) => s === '') || values.some((v) => !Number.isInteger(v))) {
    throw new MetdbError('invalid-argument', `box must be x,y,w,h in whole pixels, got "${text}"`);
  }
  const [x, y, width, height] = values as [number, number, number, number];
  return { x, y, width, height };
}

function checkBox(box: EvaluationBox, height: number, width: number): void {
  const { x, y } = box;
  const ok =
    [x, y, box.width, box.height].every(Number.isInteger) &&
    x >= 0 &&
    y >= 0 &&
    box.width >= 2 &&
    box.height >= 2 &&
    x + box.width <= width &&
    y + box.height <= height;
  if (!ok) {
    throw new MetdbError(
      'invalid-argument',
      `box x=${x} y=${y} w=${box.width} h=${box.height} must hold at least 2x2 whole pixels inside the ${width}x${height} image`,
      { details: { box: { ...box }, width, height } },
    );
  }
}
