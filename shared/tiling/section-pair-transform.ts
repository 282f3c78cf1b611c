import {
  fitSectionTransform,
  type FitSectionTransformOptions,
  type SectionModel,
  type SectionTransform,
} from '../aggregation/section-transform.js';
import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { extractRegion } from './extract-region.js';
import { planTiles } from './plan-tiles.js';
import { prepareReferenceTile, registerTile } from './register-tile.js';
import { TileWorkspace } from './tile-workspace.js';

export interface SectionPairTransformOptions extends FitSectionTransformOptions {
  /** @default 'affine' */
  model?: SectionModel;
  /** Tile edge, pixels. @default 256 */
  tileSize?: number;
  /** Tile overlap (a fraction of the edge, or pixels; see `planTiles`). @default 0 */
  overlap?: number;
  /** Subpixel precision of each tile's shift, 1/upsampleFactor px. @default 20 */
  upsampleFactor?: number;
}

export interface SectionPairTransformResult extends SectionTransform {
  /** Tiles registered (not skipped for low signal) and with a positive weight. */
  readonly tiles: number;
}

/**
 * The transform of a moving section onto a reference section (2D, same shape) from the shifts of
 * its tiles: each tile is registered by phase correlation (`registerTile`), its centre u in the
 * moving section is matched with u + shift in the reference, weighted by the tile's peak, and
 * `fitSectionTransform` fits the model to these point pairs with outliers rejected. It holds for
 * distortions that move a tile's content by far less than the tile edge (a few percent).
 */
export function sectionPairTransform(
  reference: NdArray,
  moving: NdArray,
  options: SectionPairTransformOptions = {},
): SectionPairTransformResult {
  const { model = 'affine', tileSize = 256, overlap = 0, upsampleFactor = 20, ...fit } = options;
  if (reference.shape.length !== 2 || moving.shape.some((n, k) => n !== reference.shape[k])) {
    throw new MetdbError(
      'shape-mismatch',
      `sectionPairTransform: needs two 2D sections of one shape, got [${reference.shape.join(', ')}] and [${moving.shape.join(', ')}]`,
    );
  }
  const params = { upsampleFactor, quality: false };
  const ux: number[] = [];
  const uy: number[] = [];
  const vx: number[] = [];
  const vy: number[] = [];
  const weight: number[] = [];
  const workspace = new TileWorkspace();
  for (const tile of planTiles(reference.shape, { tileSize, overlap })) {
    const region = { start: tile.start, size: tile.size };
    const prepared = prepareReferenceTile(extractRegion(reference, region), params, workspace);
    const result = registerTile(prepared, extractRegion(moving, region), params, workspace);
    if (result.skipped !== undefined || !(result.weight > 0)) continue;
    const x = tile.start[1]! + (tile.size[1]! - 1) / 2;
    const y = tile.start[0]! + (tile.size[0]! - 1) / 2;
    ux.push(x);
    uy.push(y);
    vx.push(x + result.shift[1]!);
    vy.push(y + result.shift[0]!);
    weight.push(result.weight);
  }
  return { ...fitSectionTransform({ ux, uy, vx, vy, weight }, model, fit), tiles: ux.length };
}
