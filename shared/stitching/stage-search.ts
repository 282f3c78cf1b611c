import type { NdArray } from '../ndarray/ndarray.js';
import { overlapNcc } from './overlap-ncc.js';

export interface StageSearchBox {
  /** Centre of the search (nominal offset plus the class's backlash), pixels. */
  readonly dx: number;
  readonly dy: number;
  /** Half-widths of the box, pixels. */
  readonly rx: number;
  readonly ry: number;
}

/**
 * MIST's exhaustive translation refinement: the whole-pixel offset of best NCC within a box that
 * the stage model allows, for an edge whose correlation peaks gave nothing convincing (a sliver of
 * overlap, weak texture). Returns undefined when the box holds more than `maxCandidates` offsets
 * or no offset with enough overlap.
 */
export function stageSearch(
  a: NdArray,
  b: NdArray,
  box: StageSearchBox,
  minPixels: number,
  maxCandidates = 2601,
): { dx: number; dy: number; ncc: number } | undefined {
  const cx = Math.round(box.dx);
  const cy = Math.round(box.dy);
  const rx = Math.ceil(box.rx);
  const ry = Math.ceil(box.ry);
  if ((2 * rx + 1) * (2 * ry + 1) > maxCandidates) return undefined;
  let best: { dx: number; dy: number; ncc: number } | undefined;
  for (let dy = cy - ry; dy <= cy + ry; dy++) {
    for (let dx = cx - rx; dx <= cx + rx; dx++) {
      const ncc = overlapNcc(a, b, dx, dy, minPixels);
      if (Number.isFinite(ncc) && (best === undefined || ncc > best.ncc)) best = { dx, dy, ncc };
    }
  }
  return best;
}
