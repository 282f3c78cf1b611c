import type { EdgeMessage } from '../messages/edge-message.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { LengthUnit } from '../imaging/pixel-size.js';
import type { MosaicPlan } from '../stitching/plan-mosaic.js';
import type { TileLayout } from '../stitching/tile-layout.js';

/**
 * What `mosaics.plan` holds for a mosaic planned from uploads: everything the edge messages and
 * the solve need, so that neither reads more than the mosaic row and the canonical tiles.
 */
export interface StoredMosaicPlan {
  /** How the layout was given (the layout file's object name, or the grid), for the report. */
  readonly source: string;
  readonly layout: TileLayout;
  /** The tiles' images and canonical objects, in layout order. */
  readonly tiles: readonly { readonly imageId: string; readonly path: string }[];
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly pixelType: 'uint8' | 'uint16' | 'float32';
  readonly pixelSize: { readonly x: number; readonly y: number; readonly unit: LengthUnit } | null;
  /** Channel registered. */
  readonly channel: number;
  /** Write the fused mosaic. */
  readonly fuse: boolean;
  /** Edges and null pairs (items 0 .. pairs - 1 are the edges, then the null pairs). */
  readonly plan: MosaicPlan;
}

/** A mosaic row's plan (JSON text written by `planStitching`). */
export function storedPlanOf(planText: string): StoredMosaicPlan {
  return JSON.parse(planText) as StoredMosaicPlan;
}

/** Items of a mosaic: its edges, then its null pairs. */
export function mosaicItemCount(stored: StoredMosaicPlan): number {
  return stored.plan.pairs.length + stored.plan.nulls.length;
}

/**
 * The edge message of every item (or of `only` these indexes): the planner publishes them all, the
 * sweep those missing.
 */
export function edgeMessagesOf(
  mosaicId: string,
  stored: StoredMosaicPlan,
  only?: ReadonlySet<number>,
): EdgeMessage[] {
  const { pairs, nulls, edge } = stored.plan;
  const itemCount = pairs.length + nulls.length;
  const common = {
    schemaVersion: SCHEMA_VERSION,
    mosaicId,
    itemCount,
    width: stored.width,
    height: stored.height,
    channel: stored.channel,
    options: edge,
  } as const;
  const messages: EdgeMessage[] = [];
  for (let k = 0; k < itemCount; k++) {
    if (only !== undefined && !only.has(k)) continue;
    if (k < pairs.length) {
      const pair = pairs[k]!;
      messages.push({
        ...common,
        itemIndex: k,
        kind: 'edge',
        a: stored.tiles[pair.i]!,
        b: stored.tiles[pair.j]!,
        turned: false,
        pair,
      });
    } else {
      const n = nulls[k - pairs.length]!;
      messages.push({
        ...common,
        itemIndex: k,
        kind: 'null',
        a: stored.tiles[n.a]!,
        b: stored.tiles[n.b]!,
        turned: n.turned,
        pair: pairs[n.geometry]!,
      });
    }
  }
  return messages;
}
