import type { NccThreshold } from './ncc-threshold.js';
import type { StageClass } from './stage-model.js';

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
