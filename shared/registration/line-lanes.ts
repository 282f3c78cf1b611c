/**
 * Separable filters along one axis of an N-D array take its lines `LANES` at a time and
 * interleave them in a scratch block (sample i of lane w at i * lanes + w), so that the loops over
 * the block read contiguous memory whatever the axis.
 */
export const LANES = 32;

/** The lines along one axis of a row-major array. */
export interface AxisLines {
  /** Number of lines: the array's size over the axis' length. */
  readonly lines: number;
  /** The axis' stride: the product of the lengths after it. */
  readonly inner: number;
  /** The axis' length times its stride. */
  readonly span: number;
}

/**
 * Writes to `starts` the flat index of the first sample of lines `first` .. `first + lanes - 1`
 * (line o * inner + i starts at o * span + i) and returns `lanes`: LANES, fewer in the last batch.
 */
export function laneStarts(axis: AxisLines, first: number, starts: Float64Array | Int32Array): number {
  const { lines, inner, span } = axis;
  const lanes = Math.min(LANES, lines - first);
  for (let w = 0; w < lanes; w++) {
    const line = first + w;
    const o = Math.floor(line / inner);
    starts[w] = o * span + (line - o * inner);
  }
  return lanes;
}
