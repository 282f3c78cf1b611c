import { isMetdbError } from '../errors/metdb-error.js';
import { SCHEMA_VERSION } from '../messages/parse-message.js';
import type { ImageRef, TileMessage } from '../messages/tile-message.js';
import type { ImageRow } from '../records/database-schema.js';
import { frameOf } from '../series/frame-of.js';
import { predictShift } from '../tiling/predict-shift.js';
import { decodedImages } from './decoded-image-cache.js';
import { tileParamsOf, type JobParams } from './dataset-settings.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { seriesLayout, type SeriesJob } from './series-job.js';

/**
 * The tile messages of a series job, in unit order (`seriesLayout`: pair-major, then tile): for
 * the pair of time bins (i, j), the reference is bin i and the moving image bin j of the same
 * canonical stack (`ImageRef.frames`), each tile of a frame cut from bin j at the pair's
 * predicted offset: the difference of the two bins' coarse shifts onto the first bin
 * (`predictShift`, once per bin, not per pair); sections (`series.sections`) are cut in place, as
 * `metdb align` cuts them. Deterministic, so the sweep rebuilds them.
 */
export async function seriesTileMessages(
  deps: PipelineDeps,
  job: { jobId: string; datasetId: string; image: ImageRow; params: JobParams & { series: SeriesJob } },
): Promise<TileMessage[]> {
  const { image, params } = job;
  const { series } = params;
  const layout = seriesLayout(series, params);
  const tileParams = tileParamsOf(params);
  const predicted =
    series.sections === undefined
      ? await binShifts(deps, image, series, layout.bins, tileParams.channel)
      : layout.bins.map(() => series.frameShape.map(() => 0));
  const pixelType = image.pixel_type as ImageRef['pixelType'];
  const refOf = (bin: number): ImageRef => ({
    imageId: image.id,
    bucket: deps.blobs.bucket,
    path: image.storage_path,
    shape: [...series.frameShape],
    pixelType,
    frames: { start: layout.bins[bin]!.start, count: layout.bins[bin]!.end - layout.bins[bin]!.start },
  });
  const unitCount = layout.pairs.length * layout.tiles.length;
  const messages: TileMessage[] = [];
  layout.pairs.forEach(([i, j], p) => {
    const reference = refOf(i);
    const moving = refOf(j);
    // Shift registering bin j onto bin i: (j onto the first) - (i onto the first).
    const offset = predicted[j]!.map((s, k) => Math.round(s - predicted[i]![k]!) + 0);
    for (const tile of layout.tiles) {
      messages.push({
        schemaVersion: SCHEMA_VERSION,
        jobId: job.jobId,
        tileIndex: p * layout.tiles.length + tile.index,
        tileCount: unitCount,
        datasetId: job.datasetId,
        reference,
        moving,
        region: { start: [...tile.start], size: [...tile.size] },
        ...(offset.some((o) => o !== 0) ? { offset } : {}),
        params: tileParams,
      });
    }
  });
  return messages;
}

/** Each bin's coarse shift onto the first bin (zeros where not confident or not decodable). */
async function binShifts(
  deps: PipelineDeps,
  image: ImageRow,
  series: SeriesJob,
  bins: readonly { start: number; end: number }[],
  channel: number,
): Promise<number[][]> {
  const zeros = bins.map(() => series.frameShape.map(() => 0));
  try {
    const stack = (await decodedImages.get(deps.blobs, image.storage_path, channel)).array;
    const span = (b: number) => ({ start: bins[b]!.start, count: bins[b]!.end - bins[b]!.start });
    const first = frameOf(stack, series.frameShape, span(0));
    return bins.map((_, b) =>
      b === 0 ? zeros[0]! : predictShift(first, frameOf(stack, series.frameShape, span(b))).shift,
    );
  } catch (error) {
    if (!isMetdbError(error) || error.kind !== 'permanent') throw error;
    deps.logger.warn(`plan: no predicted shifts for series ${image.id}: ${error.message}`, {
      imageId: image.id,
    });
    return zeros;
  }
}
