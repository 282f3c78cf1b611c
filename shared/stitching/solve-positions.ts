import { MetdbError } from '../errors/metdb-error.js';
import { solveSpd } from '../aggregation/solve-spd.js';

/** A relative measurement: tile j's top-left corner minus tile i's is (dx, dy), with a weight. */
export interface PositionEdge {
  readonly i: number;
  readonly j: number;
  readonly dx: number;
  readonly dy: number;
  readonly weight: number;
}

export interface SolvePositionsOptions {
  /**
   * Largest residual of a kept edge, pixels: while an edge's residual (in a solve with equal
   * weights) is above it, the edge of largest residual is removed and the positions solved again.
   * @default 2
   */
  readonly maxResidual?: number;
  /**
   * Weight of each tile's pull towards its nominal position, relative to the edges' weights: it
   * fixes the frame and places tiles (or groups) that no edge connects at their stage positions.
   * @default 1e-6
   */
  readonly priorWeight?: number;
}

export interface SolvedPositions {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Per input edge: kept in the final solve. */
  readonly kept: readonly boolean[];
  /** Per input edge: |solved offset - measured offset|, pixels. */
  readonly residuals: readonly number[];
}

/**
 * Global tile positions by weighted least squares over all edges (every redundant path counts,
 * unlike a spanning tree's single path per tile), with iterative removal of the edge of largest
 * outlying residual. Minimises sum w (p_j - p_i - d)^2 + prior sum (p_k - nominal_k)^2, x and y
 * separately, by a Cholesky solve of the normal equations (dense: a few hundred tiles).
 */
export function solvePositions(
  nominal: readonly { readonly x: number; readonly y: number }[],
  edges: readonly PositionEdge[],
  options: SolvePositionsOptions = {},
): SolvedPositions {
  const { maxResidual = 2, priorWeight = 1e-6 } = options;
  const kept = edges.map((e) => Number.isFinite(e.dx) && Number.isFinite(e.dy) && e.weight > 0);
  // Outliers are found with equal weights: a wrong edge of high NCC weight would pull its own
  // residual down and push the error onto its correct neighbours.
  const equal = edges.map((e) => ({ ...e, weight: 1 }));
  for (;;) {
    const { x, y } = solveOnce(nominal, equal, kept, priorWeight);
    const residuals = residualsOf(edges, x, y);
    let worst = -1;
    for (let k = 0; k < edges.length; k++) {
      if (!kept[k] || residuals[k]! <= maxResidual) continue;
      const r = residuals[k]!;
      const w = worst < 0 ? 0 : residuals[worst]!;
      // Equal residuals (a tile hanging by two disagreeing edges): drop the less confident one.
      if (worst < 0 || r > w + 1e-6 || (r > w - 1e-6 && edges[k]!.weight < edges[worst]!.weight)) worst = k;
    }
    if (worst < 0) break;
    kept[worst] = false;
  }
  const { x, y } = solveOnce(nominal, edges, kept, priorWeight);
  return { x, y, kept, residuals: residualsOf(edges, x, y) };
}

function residualsOf(edges: readonly PositionEdge[], x: Float64Array, y: Float64Array): number[] {
  return edges.map((e) => Math.hypot(x[e.j]! - x[e.i]! - e.dx, y[e.j]! - y[e.i]! - e.dy));
}

function solveOnce(
  nominal: readonly { readonly x: number; readonly y: number }[],
  edges: readonly PositionEdge[],
  kept: readonly boolean[],
  prior: number,
): { x: Float64Array; y: Float64Array } {
  const n = nominal.length;
  const a = new Float64Array(n * n);
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  let scale = 0;
  edges.forEach((e, k) => {
    if (kept[k]) scale = Math.max(scale, e.weight);
  });
  const p = prior * (scale || 1);
  for (let k = 0; k < n; k++) {
    a[k * n + k] = p;
    bx[k] = p * nominal[k]!.x;
    by[k] = p * nominal[k]!.y;
  }
  edges.forEach((e, k) => {
    if (!kept[k]) return;
    const w = e.weight;
    add(a, e.i * n + e.i, w);
    add(a, e.j * n + e.j, w);
    add(a, e.i * n + e.j, -w);
    add(a, e.j * n + e.i, -w);
    add(bx, e.j, w * e.dx);
    add(bx, e.i, -w * e.dx);
    add(by, e.j, w * e.dy);
    add(by, e.i, -w * e.dy);
  });
  const solved = solveSpd(a, n, [bx, by]);
  if (solved === null)
    throw new MetdbError('invalid-value', 'solvePositions: the normal equations are singular');
  return { x: solved[0]!, y: solved[1]! };
}

function add(v: Float64Array, k: number, value: number): void {
  v[k] = v[k]! + value;
}
