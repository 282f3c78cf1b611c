import { createHash } from 'node:crypto';
import { isMetdbError } from '../errors/metdb-error.js';
import { parseLengthUnit } from '../imaging/pixel-size.js';
import { edgeMessageAttributes } from '../messages/edge-message.js';
import type { DatasetRow, ImageRow } from '../records/database-schema.js';
import { listImages } from '../records/images-repository.js';
import { createMosaic } from '../records/mosaics-repository.js';
import { naturalCompare } from '../series/natural-compare.js';
import { gridLayout } from '../stitching/grid-layout.js';
import { parseTileConfiguration } from '../stitching/parse-tile-configuration.js';
import { planMosaic } from '../stitching/plan-mosaic.js';
import type { TileLayout } from '../stitching/tile-layout.js';
import { loadDatasetSettings } from './dataset-settings.js';
import { storeOf, type PipelineDeps } from './pipeline-deps.js';
import { datasetLayoutOf, LAYOUT_FILE, type StitchSettings } from './stitch-settings.js';
import { edgeMessagesOf, mosaicItemCount, type StoredMosaicPlan } from './stored-mosaic-plan.js';

export interface PlanStitchingResult {
  /** The dataset is a mosaic (`"stitch"` in its metdb.json, or a `TileConfiguration.txt`). */
  readonly mosaic: boolean;
  /** The mosaic planned (or found planned, or recorded as failed). */
  readonly mosaicId?: string;
  /** This call created the mosaic and published its edges. */
  readonly created?: boolean;
  /** Edge messages published by this call. */
  readonly published?: number;
  /** Why no mosaic is planned yet (its layout or some tiles not uploaded or ingested yet). */
  readonly waiting?: string;
  /** The tiles the layout names that are not ingested yet (object names), when waiting for them. */
  readonly missingTiles?: readonly string[];
  /** Why the mosaic cannot be stitched (recorded as a failed mosaic). */
  readonly failed?: string;
}

/**
 * Plans the stitching of a mosaic dataset once its layout and every tile it names are in, whatever
 * arrives last: called after every upload of the dataset (tiles, `metdb.json`, the layout file).
 * The mosaic's request key hashes the layout and the tiles' image IDs, so redeliveries and racing
 * uploads plan it once (`createMosaic`); only the call that created it publishes its edges (a lost
 * publish is the sweep's to redo). Unusable input (a tile that failed ingest, tiles of different
 * sizes or channel counts, a layout where no tiles overlap, a grid of the wrong size) is recorded
 * as a failed mosaic with a one-line reason. A layout naming files not uploaded yet only waits.
 */
export async function planStitching(
  deps: PipelineDeps,
  dataset: DatasetRow,
  uploadBucket: string,
): Promise<PlanStitchingResult> {
  const uploads = storeOf(deps, uploadBucket);
  const settings = (await loadDatasetSettings(uploads, dataset.name)).stitch;
  const stitch: StitchSettings | undefined =
    settings ??
    ((await uploads.head(`${dataset.name}/${LAYOUT_FILE}`)) === undefined
      ? undefined
      : { layout: LAYOUT_FILE });
  if (stitch === undefined) return { mosaic: false };
  const layoutSource = datasetLayoutOf(stitch);
  const images = await listImages(deps.db, dataset.id);
  let layout: TileLayout | undefined;
  let wanted: string[];
  let source: string;
  if (layoutSource.kind === 'file') {
    source = `${dataset.name}/${layoutSource.path}`;
    const text = await uploads.get(source);
    if (text === undefined) return { mosaic: true, waiting: `the layout ${source} is not uploaded yet` };
    try {
      layout = parseTileConfiguration(Buffer.from(text).toString('utf8'), source);
    } catch (error) {
      return failed(deps, dataset, source, error);
    }
    const folder = source.slice(0, source.lastIndexOf('/') + 1);
    wanted = layout.tiles.map((t) => `${folder}${t.name}`);
  } else {
    const { rows, columns, order } = layoutSource;
    source = `grid ${rows}x${columns}, ${order}`;
    const count = rows * columns;
    const objects = images
      .map((i) => i.source_object)
      .sort(naturalCompare)
      .filter((name, k, all) => all.indexOf(name) === k);
    if (objects.length < count) {
      return { mosaic: true, waiting: `${source} needs ${count} tiles, ${objects.length} uploaded so far` };
    }
    if (objects.length > count) {
      return failed(
        deps,
        dataset,
        source,
        `${source} needs ${count} tiles, the dataset has ${objects.length}`,
      );
    }
    wanted = objects;
  }
  const byObject = new Map(images.map((i) => [i.source_object, i]));
  const missing = wanted.filter((name) => byObject.get(name)?.status !== 'ingested');
  const broken = missing.filter((name) => byObject.get(name)?.status === 'failed');
  if (broken.length > 0) {
    const image = byObject.get(broken[0]!)!;
    return failed(
      deps,
      dataset,
      source,
      `tile ${broken[0]} failed ingest: ${image.failure_reason ?? 'unknown reason'}`,
    );
  }
  if (missing.length > 0) {
    return {
      mosaic: true,
      waiting: `${source} waits for ${missing.length} tile(s): ${listed(missing)}`,
      missingTiles: missing,
    };
  }
  const tiles = wanted.map((name) => byObject.get(name)!);
  const problem = tileProblem(tiles);
  if (problem !== undefined) return failed(deps, dataset, source, problem);
  const first = tiles[0]!;
  const width = first.width!;
  const height = first.height!;
  // The solve holds every tile and the fused mosaic: the function's memory is sized for the limit.
  if (tiles.length * width * height > deps.limits.maxPixels) {
    return failed(
      deps,
      dataset,
      source,
      `${tiles.length} tiles of ${width}x${height} px exceed the ${deps.limits.maxPixels}-pixel limit of a mosaic`,
    );
  }
  if (layoutSource.kind === 'grid') {
    const names = wanted.map((name) => name.slice(dataset.name.length + 1));
    layout = gridLayout(names, { ...layoutSource, width, height });
  }
  let stored: StoredMosaicPlan;
  try {
    stored = {
      source,
      layout: layout!,
      tiles: tiles.map((t) => ({ imageId: t.id, path: t.storage_path })),
      width,
      height,
      channels: first.channels ?? 1,
      pixelType: first.pixel_type as StoredMosaicPlan['pixelType'],
      pixelSize: pixelSizeOf(first),
      channel: stitch.channel ?? 0,
      fuse: stitch.fuse ?? true,
      plan: planMosaic(layout!, width, height, stitch.margin === undefined ? {} : { margin: stitch.margin }),
    };
  } catch (error) {
    return failed(deps, dataset, source, error);
  }
  if (stored.channel >= stored.channels) {
    return failed(
      deps,
      dataset,
      source,
      `stitch.channel ${stored.channel}: the tiles have ${stored.channels} channel(s)`,
    );
  }
  const key = `stitch:${dataset.id}:${hash({ layout: stored.layout, tiles: stored.tiles, stitch })}`;
  const mosaic = await createMosaic(deps.db, {
    dataset_id: dataset.id,
    request_key: key,
    plan: stored,
    items_total: mosaicItemCount(stored),
  });
  if (!mosaic.created) return { mosaic: true, mosaicId: mosaic.id, created: false, published: 0 };
  const messages = edgeMessagesOf(mosaic.id, stored);
  await Promise.all(
    messages.map((m) => deps.bus.publish(deps.topics.edges ?? 'edges', m, edgeMessageAttributes(m))),
  );
  deps.logger.info(
    `stitch: mosaic ${mosaic.id} of ${dataset.name} planned: ${messages.length} edge message(s)`,
    {
      datasetId: dataset.id,
      mosaicId: mosaic.id,
    },
  );
  return { mosaic: true, mosaicId: mosaic.id, created: true, published: messages.length };
}

/** Tiles of different sizes or channel counts, or stacks: the first offending tile, in one line. */
function tileProblem(tiles: readonly ImageRow[]): string | undefined {
  const first = tiles[0]!;
  const name = (t: ImageRow) => t.source_object;
  for (const t of tiles) {
    if ((t.depth ?? 1) !== 1) return `${name(t)}: a stack of ${t.depth} planes; tiles must be 2D`;
    if (t.width !== first.width || t.height !== first.height) {
      return `tiles of different sizes: ${name(t)} is ${t.width}x${t.height} px, ${name(first)} is ${first.width}x${first.height} px`;
    }
    if (t.channels !== first.channels) {
      return `tiles of different channel counts: ${name(t)} has ${t.channels}, ${name(first)} has ${first.channels}`;
    }
  }
  return undefined;
}

/** Records the mosaic as failed (once per reason and input) and says why. */
async function failed(
  deps: PipelineDeps,
  dataset: DatasetRow,
  source: string,
  error: unknown,
): Promise<PlanStitchingResult> {
  if (typeof error !== 'string' && !(isMetdbError(error) && error.kind === 'permanent')) throw error;
  const reason = typeof error === 'string' ? error : error.message;
  const { id } = await createMosaic(deps.db, {
    dataset_id: dataset.id,
    request_key: `stitch-failed:${dataset.id}:${hash({ source, reason })}`,
    plan: { source },
    items_total: 0,
    failure_reason: reason,
  });
  deps.logger.warn(`stitch: ${dataset.name} cannot be stitched: ${reason}`, {
    datasetId: dataset.id,
    mosaicId: id,
  });
  return { mosaic: true, mosaicId: id, failed: reason };
}

function pixelSizeOf(image: ImageRow): StoredMosaicPlan['pixelSize'] {
  const unit = parseLengthUnit(image.pixel_size_unit ?? undefined);
  if (image.pixel_size_x === null || image.pixel_size_y === null || unit === undefined) return null;
  return { x: image.pixel_size_x, y: image.pixel_size_y, unit };
}

function listed(names: readonly string[]): string {
  return names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
