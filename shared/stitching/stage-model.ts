/** A measured edge as the stage model sees it: nominal and measured offsets, pixels. */
export interface StageEdge {
  readonly nominalDx: number;
  readonly nominalDy: number;
  readonly dx: number;
  readonly dy: number;
}

/** The stage's behaviour for one kind of step (all edges with about the same nominal offset). */
export interface StageClass {
  /** Nominal offset of the class (its first edge's), pixels. */
  readonly nominalDx: number;
  readonly nominalDy: number;
  /** Accepted edges the model was estimated from. */
  readonly edges: number;
  /** Median deviation of the measured offsets from the nominal ones (systematic error, backlash). */
  readonly backlashX: number;
  readonly backlashY: number;
  /** Half-width of the deviations around the median (MIST's repeatability), pixels; NaN if unknown. */
  readonly repeatabilityX: number;
  readonly repeatabilityY: number;
}

export interface StageModelOptions {
  /** Fewest accepted edges to estimate a class from; smaller classes are not filtered. @default 3 */
  readonly minEdges?: number;
  /** Deviations beyond this many interquartile ranges outside the quartiles are outliers. @default 1.5 */
  readonly k?: number;
  /** Repeatability never below this, pixels (sub-pixel noise is not a stage error). @default 1 */
  readonly minRepeatability?: number;
}

export interface StageModel {
  readonly classes: readonly StageClass[];
  /** Index into `classes` of an edge by its nominal offset. */
  classOf(nominalDx: number, nominalDy: number): number;
  /** Whether a measured edge lies within its class's repeatability of the class median. */
  consistent(edge: StageEdge): boolean;
}

/**
 * MIST's stage model: edges are grouped by nominal step (about the same nominal offset, within a
 * tenth of the tile), and in each group the median deviation from the nominal offset (the
 * systematic error: backlash, a wrong nominal overlap) and the repeatability (half the spread of
 * the inlying deviations, Tukey's fences) are estimated from the accepted edges. An edge
 * farther than the repeatability (+ 1 px) from its group's median contradicts the stage.
 *
 * @param accepted edges accepted by NCC, from which the model is estimated
 */
export function stageModel(
  accepted: readonly StageEdge[],
  width: number,
  height: number,
  options: StageModelOptions = {},
): StageModel {
  const { minEdges = 3, k = 1.5, minRepeatability = 1 } = options;
  const keys: string[] = [];
  const members: StageEdge[][] = [];
  const keyOf = (dx: number, dy: number): string =>
    `${Math.round(dx / (0.1 * width))},${Math.round(dy / (0.1 * height))}`;
  const slot = (dx: number, dy: number): number => {
    const key = keyOf(dx, dy);
    let c = keys.indexOf(key);
    if (c < 0) {
      c = keys.push(key) - 1;
      members.push([]);
    }
    return c;
  };
  for (const e of accepted) members[slot(e.nominalDx, e.nominalDy)]!.push(e);
  const classes: StageClass[] = members.map((group) => {
    const first = group[0]!;
    const ex = group.map((e) => e.dx - e.nominalDx);
    const ey = group.map((e) => e.dy - e.nominalDy);
    const estimated = group.length >= minEdges;
    return {
      nominalDx: first.nominalDx,
      nominalDy: first.nominalDy,
      edges: group.length,
      backlashX: median(ex),
      backlashY: median(ey),
      repeatabilityX: estimated ? repeatability(ex, k, minRepeatability) : NaN,
      repeatabilityY: estimated ? repeatability(ey, k, minRepeatability) : NaN,
    };
  });
  const classOf = (dx: number, dy: number): number => keys.indexOf(keyOf(dx, dy));
  return {
    classes,
    classOf,
    consistent(edge) {
      const c = classes[classOf(edge.nominalDx, edge.nominalDy)];
      if (c === undefined || !Number.isFinite(c.repeatabilityX)) return true;
      const ox = Math.abs(edge.dx - edge.nominalDx - c.backlashX);
      const oy = Math.abs(edge.dy - edge.nominalDy - c.backlashY);
      return ox <= c.repeatabilityX + 1 && oy <= c.repeatabilityY + 1;
    },
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Half-width around the median of the deviations inside Tukey's fences (1.5 interquartile ranges
 * beyond the quartiles), at least `floor`: MIST's repeatability, with a fence for outliers.
 */
function repeatability(dev: readonly number[], k: number, floor: number): number {
  const s = [...dev].sort((a, b) => a - b);
  const q = (f: number): number => {
    const pos = f * (s.length - 1);
    const lo = Math.floor(pos);
    return s[lo]! + (s[Math.min(s.length - 1, lo + 1)]! - s[lo]!) * (pos - lo);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const m = median(dev);
  let r = floor;
  for (const d of dev)
    if (d >= q1 - k * (q3 - q1) && d <= q3 + k * (q3 - q1)) r = Math.max(r, Math.abs(d - m));
  return Math.ceil(r);
}
