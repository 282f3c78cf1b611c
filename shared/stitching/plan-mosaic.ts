import { MetdbError } from '../errors/metdb-error.js';
import { neighbourPairs, type TilePair } from './neighbour-pairs.js';
import { nullPairs, type NullPair, type NullPairsOptions } from './null-pairs.js';
import type { RegisterEdgeOptions } from './register-edge.js';
import type { TileLayout } from './tile-layout.js';

export interface PlanMosaicOptions {
  /**
   * Largest deviation from the nominal layout searched per edge, pixels (x and y).
   * @default 10 % of the tile's width and height, at least 16 px
   */
  readonly margin?: number;
  /** Edge registration (peaks, taper, minOverlap, climbs; the margins come from `margin`). */
  readonly edge?: Omit<RegisterEdgeOptions, 'marginX' | 'marginY'>;
  /** The null pairs of the NCC threshold (samples, seed). */
  readonly nulls?: NullPairsOptions;
  /** Smallest nominal overlap of a pair, fraction of a tile. @default 0.02 */
  readonly minOverlap?: number;
}

/**
 * The work of stitching a mosaic, before any pixel is read: every edge (pair of overlapping
 * tiles) and every null pair to register, with the options to register them by. Each item is
 * independent: measured in one loop on a laptop, or fanned out as one message each.
 */
export interface MosaicPlan {
  readonly width: number;
  readonly height: number;
  readonly pairs: readonly TilePair[];
  readonly nulls: readonly NullPair[];
  readonly edge: RegisterEdgeOptions;
}

/**
 * Plans a mosaic's registrations from its layout and tile size.
 *
 * @throws MetdbError 'invalid-argument' when no two tiles overlap in the layout
 */
export function planMosaic(
  layout: TileLayout,
  width: number,
  height: number,
  options: PlanMosaicOptions = {},
): MosaicPlan {
  const pairs = neighbourPairs(layout.tiles, width, height, { minOverlap: options.minOverlap ?? 0.02 });
  if (pairs.length === 0) {
    throw new MetdbError(
      'invalid-argument',
      `no two tiles overlap in the layout (tiles ${width}x${height} px)`,
    );
  }
  const { margin } = options;
  return {
    width,
    height,
    pairs,
    nulls: nullPairs(layout.tiles.length, pairs, options.nulls),
    edge: {
      ...options.edge,
      marginX: margin ?? Math.max(16, Math.round(0.1 * width)),
      marginY: margin ?? Math.max(16, Math.round(0.1 * height)),
    },
  };
}
