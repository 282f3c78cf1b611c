import { z } from 'zod';
import { RegistrationParamsSchema } from '../messages/registration-params.js';
import { TileRegionSchema } from '../messages/tile-message.js';
import { resolveJobParams, type DatasetSettings } from '../pipeline/dataset-settings.js';
import { tilePlan } from '../pipeline/plan-registration.js';

/**
 * What a local run tells its workers once the dataset's reference is decoded, before any tile of
 * it is published: the reference tiles the jobs will ask for (the regions and parameters of the
 * tile messages the planner will publish, from the same `tilePlan`). A worker with nothing else
 * to do prepares them (see pipeline-worker-handler.ts), while the main thread ingests and plans
 * the first moving image; the tiles then find them in the worker's `PreparedTileCache`. Only a
 * hint: a worker that ignores it, or prepares other tiles, gets the same results.
 */
export const ReferenceTilesHintSchema = z.strictObject({
  type: z.literal('reference-tiles'),
  /** The canonical reference image, as the tile messages name it. */
  bucket: z.string().min(1).optional(),
  path: z.string().min(1),
  /** In the order of the tiles' indices (the order they are published in). */
  regions: z.array(TileRegionSchema),
  params: RegistrationParamsSchema,
});
export type ReferenceTilesHint = z.output<typeof ReferenceTilesHintSchema>;

/**
 * The hint for a reference decoded from the canonical object `path` of `bucket`, of shape `shape`
 * (axis order (z,) y, x), registered with a dataset's `settings`: what `planNewImage` will plan.
 */
export function referenceTilesHint(
  bucket: string,
  path: string,
  shape: readonly number[],
  settings: DatasetSettings | undefined,
): ReferenceTilesHint {
  const { tiles, tileParams } = tilePlan(shape, resolveJobParams(shape.length, settings));
  return {
    type: 'reference-tiles',
    bucket,
    path,
    regions: tiles.map((t) => ({ start: [...t.start], size: [...t.size] })),
    params: tileParams,
  };
}

/** The hint in a broadcast payload, validated; undefined for anything else. */
export function parseReferenceTilesHint(payload: unknown): ReferenceTilesHint | undefined {
  const parsed = ReferenceTilesHintSchema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}
