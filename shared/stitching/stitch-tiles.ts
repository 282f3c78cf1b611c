import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { nccThreshold, type NccThreshold, type NccThresholdOptions } from './ncc-threshold.js';
import { neighbourPairs, overlapArea } from './neighbour-pairs.js';
import { overlapPixels } from './overlap-ncc.js';
import { registerEdge, type RegisterEdgeOptions } from './register-edge.js';
import { solvePositions, type SolvePositionsOptions } from './solve-positions.js';
import { stageModel, type StageClass } from './stage-model.js';
import { stageSearch } from './stage-search.js';
import type { TileLayout } from './tile-layout.js';
import { checkTiles } from './check-tiles.js';

export interface StitchTilesOptions {
  /**
   * Largest deviation from the nominal layout searched per edge, pixels (x and y).
   * @default 10 % of the tile's width and height, at least 16 px
   */
  readonly margin?: number;
  /** Edge registration (peaks, taper, minOverlap; the margins come from `margin`). */
  readonly edge?: Omit<RegisterEdgeOptions, 'marginX' | 'marginY'>;
  /** Null distribution of the NCC threshold (samples, alpha, seed). */
  readonly threshold?: NccThresholdOptions;
  /** Least squares and outlier removal. */
  readonly solve?: SolvePositionsOptions;
  /**
   * An edge outside the stage model is replaced by the best offset inside the model's box when that
   * one's NCC is at most this much lower.
   * @default 0.02
   */
  readonly stageTolerance?: number;
  /** Smallest nominal overlap of a pair, fraction of a tile. @default 0.02 */
  readonly minOverlap?: number;
}

/** Why an edge is or is not used. */
export type EdgeStatus = 'accepted' | 'low-ncc' | 'residual-outlier' | 'no-candidate';

export interface StitchEdge {
  readonly i: number;
  readonly j: number;
  readonly nominalDx: number;
  readonly nominalDy: number;
  /** Measured offset of tile j from tile i (NaN when nothing was found), pixels. */
  readonly dx: number;
  readonly dy: number;
  readonly ncc: number;
  /** Best NCC of a distinct other candidate (NaN if none): close to `ncc` means ambiguous content. */
  readonly runnerUp: number;
  /** Pixels shared by the two tiles at the measured offset. */
  readonly overlap: number;
  /**
   * 'peaks': correlation peaks verified by NCC; 'stage': the best NCC inside the stage model's box
   * (an edge below the threshold, or outside the model where the box matched about as well).
   */
  readonly method: 'peaks' | 'stage';
  readonly status: EdgeStatus;
  /** |solved offset - measured offset|, pixels (NaN when not measured). */
  readonly residual: number;
}

export interface StitchedTile {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly nominalX: number;
  readonly nominalY: number;
  /** 'registered': placed by accepted edges; 'stage': no accepted edge, kept at its stage position. */
  readonly status: 'registered' | 'stage';
  /** Accepted edges of this tile. */
  readonly edges: number;
}

export interface StitchResult {
  readonly tiles: readonly StitchedTile[];
  readonly edges: readonly StitchEdge[];
  readonly threshold: NccThreshold;
  readonly stage: readonly StageClass[];
  readonly width: number;
  readonly height: number;
}

/**
 * Stitches a mosaic: registers every pair of overlapping tiles on its expected overlap
 * (`registerEdge`), accepts edges whose NCC beats a null distribution (`nccThreshold`) and agrees
 * with the stage model (`stageModel`; rejected edges get one exhaustive search inside the model's
 * box), then solves global positions by weighted least squares with outlier removal
 * (`solvePositions`). Positions are tile top-left corners in the layout's frame, pixels.
 *
 * @param tiles one 2D array per layout tile, same order, one shape
 * @throws MetdbError for tiles of different shapes, or a layout where no two tiles overlap
 */
export function stitchTiles(
  tiles: readonly NdArray[],
  layout: TileLayout,
  options: StitchTilesOptions = {},
): StitchResult {
  const [height, width] = checkTiles(tiles, layout);
  const pairs = neighbourPairs(layout.tiles, width, height, { minOverlap: options.minOverlap ?? 0.02 });
  if (pairs.length === 0) {
    throw new MetdbError(
      'invalid-argument',
      `no two tiles overlap in the layout (tiles ${width}x${height} px)`,
    );
  }
  const margin = options.margin;
  const stageTolerance = options.stageTolerance ?? 0.02;
  const edgeOptions: RegisterEdgeOptions = {
    ...options.edge,
    marginX: margin ?? Math.max(16, Math.round(0.1 * width)),
    marginY: margin ?? Math.max(16, Math.round(0.1 * height)),
  };
  const measured = pairs.map((p) => registerEdge(tiles[p.i]!, tiles[p.j]!, p, edgeOptions));
  const threshold = nccThreshold(
    tiles,
    pairs,
    (a, b, p) => registerEdge(a, b, p, edgeOptions).ncc,
    options.threshold,
  );
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
    const minPixels = Math.max(16, (edgeOptions.minOverlap ?? 0.25) * overlapArea(pairs[k]!, width, height));
    const box = {
      dx: e.nominalDx + c.backlashX,
      dy: e.nominalDy + c.backlashY,
      rx: c.repeatabilityX + 2,
      ry: c.repeatabilityY + 2,
    };
    const found = stageSearch(tiles[e.i]!, tiles[e.j]!, box, minPixels);
    // The stage model guides, it does not veto: an outlier stays when nothing in the box matches
    // about as well (the least squares' residuals then judge it against the other paths).
    const good = found !== undefined && found.ncc > threshold.threshold;
    if (good && (!outlier || found.ncc >= e.ncc - stageTolerance)) {
      Object.assign(e, {
        dx: found.dx,
        dy: found.dy,
        ncc: found.ncc,
        overlap: overlapPixels(tiles[e.i]!, tiles[e.j]!, found.dx, found.dy),
        method: 'stage',
        status: 'accepted',
      });
    }
  });
  const used = edges.map((e) => e.status === 'accepted');
  const solved = solvePositions(
    layout.tiles,
    edges.map((e, k) => ({ i: e.i, j: e.j, dx: e.dx, dy: e.dy, weight: used[k] ? weightOf(e.ncc) : 0 })),
    options.solve,
  );
  const counts = new Array<number>(tiles.length).fill(0);
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
