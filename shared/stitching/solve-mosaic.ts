import { overlapArea } from './neighbour-pairs.js';
import type { MosaicPlan } from './plan-mosaic.js';
import type { EdgeMeasurement } from './register-edge.js';
import { nccThreshold } from './ncc-threshold.js';
import { solvePositions, type SolvePositionsOptions } from './solve-positions.js';
import { stageModel } from './stage-model.js';
import type { StageSearchBox } from './stage-search.js';
import type { StitchEdge, StitchResult } from './stitch-result.js';
import type { TileLayout } from './tile-layout.js';

export interface SolveMosaicOptions {
  /** Accepted false-positive rate of the NCC threshold. @default 0.01 */
  readonly alpha?: number;
  /**
   * An edge outside the stage model is replaced by the best offset inside the model's box when that
   * one's NCC is at most this much lower.
   * @default 0.02
   */
  readonly stageTolerance?: number;
  /** Least squares and outlier removal. */
  readonly solve?: SolvePositionsOptions;
}

/**
 * The stage model's exhaustive search for one edge (tiles i and j), or undefined when it cannot
 * run (the caller has no pixels at hand, or the box is too large).
 */
export type StageSearch = (
  i: number,
  j: number,
  box: StageSearchBox,
  minPixels: number,
) => { dx: number; dy: number; ncc: number; overlap: number } | undefined;

/**
 * The second half of stitching, from measurements alone: the NCC threshold from the null pairs'
 * NCCs, acceptance, the stage model (searching inside its box with `search`), and the global
 * positions by weighted least squares with outlier removal. This is the fan-in step: it runs once
 * all edges of a plan are measured, wherever they were.
 *
 * @param measured one measurement per `plan.pairs`, same order
 * @param nullNccs the best NCC of each of `plan.nulls` (NaN: no candidate)
 */
export function solveMosaic(
  layout: TileLayout,
  plan: MosaicPlan,
  measured: readonly EdgeMeasurement[],
  nullNccs: readonly number[],
  search: StageSearch,
  options: SolveMosaicOptions = {},
): StitchResult {
  const { pairs, width, height } = plan;
  const stageTolerance = options.stageTolerance ?? 0.02;
  const threshold = nccThreshold(nullNccs, options.alpha);
  const edges: Mutable<StitchEdge>[] = measured.map((m, k) => ({
    ...m,
    nominalDx: pairs[k]!.dx,
    nominalDy: pairs[k]!.dy,
    method: 'peaks',
    status: Number.isFinite(m.ncc) ? (m.ncc > threshold.threshold ? 'accepted' : 'low-ncc') : 'no-candidate',
    residual: NaN,
  }));
  const model = stageModel(
    edges.filter((e) => e.status === 'accepted'),
    width,
    height,
  );
  edges.forEach((e, k) => {
    const outlier = e.status === 'accepted' && !model.consistent(e);
    if (e.status === 'accepted' && !outlier) return;
    const c = model.classes[model.classOf(e.nominalDx, e.nominalDy)];
    if (c === undefined || !Number.isFinite(c.repeatabilityX)) return;
    const minPixels = Math.max(16, (plan.edge.minOverlap ?? 0.25) * overlapArea(pairs[k]!, width, height));
    const box = {
      dx: e.nominalDx + c.backlashX,
      dy: e.nominalDy + c.backlashY,
      rx: c.repeatabilityX + 2,
      ry: c.repeatabilityY + 2,
    };
    const found = search(e.i, e.j, box, minPixels);
    // The stage model guides, it does not veto: an outlier stays when nothing in the box matches
    // about as well (the least squares' residuals then judge it against the other paths).
    const good = found !== undefined && found.ncc > threshold.threshold;
    if (good && (!outlier || found.ncc >= e.ncc - stageTolerance)) {
      Object.assign(e, { ...found, method: 'stage', status: 'accepted' });
    }
  });
  const used = edges.map((e) => e.status === 'accepted');
  const solved = solvePositions(
    layout.tiles,
    edges.map((e, k) => ({ i: e.i, j: e.j, dx: e.dx, dy: e.dy, weight: used[k] ? weightOf(e.ncc) : 0 })),
    options.solve,
  );
  const counts = new Array<number>(layout.tiles.length).fill(0);
  edges.forEach((e, k) => {
    if (Number.isFinite(e.dx)) e.residual = solved.residuals[k]!;
    if (used[k] && !solved.kept[k]) e.status = 'residual-outlier';
    if (e.status === 'accepted') {
      counts[e.i]!++;
      counts[e.j]!++;
    }
  });
  return {
    tiles: layout.tiles.map((t, k) => ({
      name: t.name,
      x: solved.x[k]!,
      y: solved.y[k]!,
      nominalX: t.x,
      nominalY: t.y,
      status: counts[k]! > 0 ? 'registered' : 'stage',
      edges: counts[k]!,
    })),
    edges,
    threshold,
    stage: model.classes,
    width,
    height,
  };
}

/** Least-squares weight of an edge: its NCC's confidence, 1 / (1 - ncc), capped at 100. */
function weightOf(ncc: number): number {
  return 1 / Math.max(0.01, 1 - ncc);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
