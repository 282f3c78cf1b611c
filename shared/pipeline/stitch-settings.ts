import { z } from 'zod';
import { parseGridSource, type LayoutSource } from '../stitching/layout-source.js';

/** Fiji's default layout file name: in a dataset folder, it makes the dataset a mosaic. */
export const LAYOUT_FILE = 'TileConfiguration.txt';

/**
 * `"stitch"` in a dataset's `metdb.json`: the dataset is a mosaic, its tiles stitched (not
 * registered to a reference) once every tile is in. The layout is Fiji's TileConfiguration file
 * `layout` (relative to the dataset folder; tile names relative to the layout's folder), or a
 * regular grid of the dataset's images in natural name order, given as `metdb stitch` takes it:
 * `"grid": "5x4"`, `"overlap": "10%"` (or `"10%,8%"` for x and y), `"order": "row" | "column" |
 * "snake"`. Unknown keys are rejected.
 */
export const StitchSettingsSchema = z
  .strictObject({
    /** @default 'TileConfiguration.txt' (when no grid is given) */
    layout: z.string().min(1).max(1024).optional(),
    grid: z
      .string()
      .regex(/^[1-9]\d{0,3}x[1-9]\d{0,3}$/i, 'must be ROWSxCOLS, e.g. "5x4"')
      .optional(),
    overlap: z
      .string()
      .regex(
        /^\d{1,2}(\.\d+)?%(,\d{1,2}(\.\d+)?%)?$/,
        'must be a percentage below 100, e.g. "10%" or "10%,8%"',
      )
      .optional(),
    /** @default 'row' */
    order: z.enum(['row', 'column', 'snake']).optional(),
    /** Largest deviation from the layout searched per edge, pixels. @default 10 % of the tile, at least 16 px */
    margin: z.int().min(1).max(100_000).optional(),
    /** Channel registered (every channel is fused). @default 0 */
    channel: z.int().min(0).max(1000).optional(),
    /** Write the fused `mosaic.ome.tif`. @default true */
    fuse: z.boolean().optional(),
  })
  .refine(
    (s) => !(s.layout !== undefined && s.grid !== undefined),
    'give either "layout" or "grid", not both',
  )
  .refine((s) => s.grid === undefined || s.overlap !== undefined, '"grid" needs "overlap" (e.g. "10%")');
export type StitchSettings = z.output<typeof StitchSettingsSchema>;

/** Where a dataset's tiles are expected: its layout file (relative to the dataset folder), or a grid of its images. */
export type DatasetLayout = Exclude<LayoutSource, { kind: 'ome' }>;

/** The layout the settings describe (validated by `StitchSettingsSchema`). */
export function datasetLayoutOf(settings: StitchSettings): DatasetLayout {
  if (settings.grid === undefined) return { kind: 'file', path: settings.layout ?? LAYOUT_FILE };
  return parseGridSource({ grid: settings.grid, overlap: settings.overlap, order: settings.order });
}
