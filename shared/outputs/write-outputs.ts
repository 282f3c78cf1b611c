import { encodeChannelsTiff } from '../imaging/encode-channels-tiff.js';
import type { ImageChannels } from '../imaging/image-channels.js';
import { pixelTypeOf, type NdArray } from '../ndarray/ndarray.js';
import { renderReport } from '../report/render-report.js';
import type { StackQuality } from '../report/section-quality-section.js';
import { reportThumbnails, type ReportThumbnailsOptions } from '../report/report-thumbnails.js';
import type { ImageResult } from './image-result.js';
import type { SeriesResult } from './series-result.js';
import { stackedAverageByMatrix } from './stacked-average-by-matrix.js';
import { shiftMatrix, type Matrix3 } from '../registration/similarity/transform-matrix.js';
import { writeOmeZarr } from './ome-zarr.js';
import type { OutputSink } from './output-sink.js';
import { sinkStore } from './sink-store.js';
import { isMrcName, registeredFile } from './registered-file.js';
import { registeredImage, registeredImageByMatrix, type RegisteredImageOptions } from './registered-image.js';
import { shiftTableCsv, shiftTableJson } from './shift-table.js';
import { stackedAverage } from './stacked-average.js';

export interface WriteOutputsOptions {
  /** Dataset name shown in the report. */
  dataset: string;
  /**
   * Reads every channel of an image (`decodeChannels`), or undefined if it cannot be read. Local
   * runs read the file in the folder; cloud runs the canonical object.
   */
  readImage: (result: ImageResult) => Promise<ImageChannels | undefined>;
  /**
   * Write every registered image and the reference onto the reference grid, every channel moved
   * by the image's shift: `registered/<name>.tif` (an ImageJ hyperstack) for ImageJ inputs,
   * `registered/<name>.ome.tif` (OME-TIFF) for the others; names and physical sizes kept;
   * `registered/<name>.mrc` with the voxel size for an MRC input (`registeredFile`).
   * @default true
   */
  registeredImages?: boolean;
  /**
   * Write `registered.ome.zarr`: the registered series (reference and registered images of the
   * reference's shape, in order, as time points) as OME-Zarr with a pyramid (`writeOmeZarr`).
   * @default true
   */
  omeZarr?: boolean;
  /** How registered images are resampled. @default { method: 'spline' } */
  resample?: RegisteredImageOptions;
  /** Stacked average: 'full' canvas, 'overlap' (cropped to the common overlap), or false. @default 'full' */
  average?: 'full' | 'overlap' | false;
  /** Time series of the run, plotted in the report (their files: `writeSeriesOutputs`). @default [] */
  series?: readonly SeriesResult[];
  /** Registered stacks' per-frame quality tables, plotted in the report. @default [] */
  stacks?: readonly StackQuality[];
  /**
   * Thumbnails in the report (before, after, overlays; `reportThumbnails`), or false for none.
   * @default {} (128 px, at most 24 images)
   */
  thumbnails?: ReportThumbnailsOptions | false;
  /** Facts shown in the report (workers, duration...). @default {} */
  facts?: Record<string, string>;
  /** When the run finished. @default now */
  finishedAt?: Date;
}

/** What was written: where the sink put each output (paths, or gs:// URLs). */
export interface WrittenOutputs {
  readonly shiftsCsv: string;
  readonly shiftsJson: string;
  readonly report: string;
  readonly registered: readonly string[];
  /** The registered series as OME-Zarr (its root), or null when not written. */
  readonly omeZarr: string | null;
  /**
   * `average.tif`: the stacked average of every channel (float32; OME-TIFF, or an ImageJ
   * hyperstack when the reference was ImageJ), or null when not written (option off, no frame).
   */
  readonly average: string | null;
}

/**
 * Writes a run's outputs through `sink`: `shifts.csv`, `shifts.json`, the registered images (see
 * `registeredImages`), `average.tif` (the mean of the registered frames per channel, float32;
 * 'full' canvas or cropped to the 'overlap') and `report.html`.
 */
export async function writeOutputs(
  sink: OutputSink,
  results: readonly ImageResult[],
  options: WriteOutputsOptions,
): Promise<WrittenOutputs> {
  const { registeredImages = true, resample = {}, average = 'full', facts = {}, omeZarr = true } = options;
  const { thumbnails = {} } = options;
  const shiftsCsv = await sink.write('shifts.csv', shiftTableCsv(results));
  const shiftsJson = await sink.write('shifts.json', shiftTableJson(results));
  const registered: string[] = [];
  const frames: { image: ImageChannels; shift: readonly number[]; matrix?: Matrix3 }[] = [];
  // Frames of a series are written as one corrected stack (writeSeriesOutputs), not one by one.
  const usable = results.filter(
    (r) => r.frame === undefined && r.shift !== null && (r.role === 'registered' || r.role === 'reference'),
  );
  const referenceShape = results.find((r) => r.role === 'reference')?.shape ?? usable[0]?.shape ?? null;
  const series: ImageChannels[] = [];
  let averageFormat: 'ome' | 'imagej' = 'ome';
  if (registeredImages || average !== false || omeZarr) {
    for (const r of usable) {
      const image = await options.readImage(r);
      const shape = image?.channels[0]?.shape;
      if (image === undefined || shape === undefined || shape.length !== r.shift!.length) continue;
      const format = image.metadataFormat === 'imagej' ? 'imagej' : 'ome';
      const sameShape =
        referenceShape !== null &&
        shape.length === referenceShape.length &&
        referenceShape.every((n, a) => shape[a] === n);
      const moved =
        registeredImages || (omeZarr && sameShape)
          ? {
              ...image,
              // Rigid and similarity results move by their matrix; translations by their shift.
              channels: image.channels.map((c) =>
                byMatrix(r)
                  ? registeredImageByMatrix(c, r.matrix!, resample)
                  : registeredImage(c, r.shift!, resample),
              ),
            }
          : image;
      if (omeZarr && sameShape) series.push(moved);
      if (registeredImages) {
        if (isMrcName(r.file)) {
          const mrc = registeredFile(r.file, moved.channels[0]!, r.pixelSize);
          registered.push(await sink.write(`registered/${stem(r.file)}${mrc.extension}`, mrc.bytes));
        } else {
          const name = `registered/${stem(r.file)}${format === 'imagej' ? '.tif' : '.ome.tif'}`;
          registered.push(await sink.write(name, encodeChannelsTiff(moved, { format, name: stem(r.file) })));
        }
      }
      if (average !== false && sameShape) {
        if (r.role === 'reference') averageFormat = format;
        frames.push({ image, shift: r.shift!, ...(byMatrix(r) ? { matrix: r.matrix as Matrix3 } : {}) });
      }
    }
  }
  let averagePath: string | null = null;
  const channelCounts = new Set(frames.map((f) => f.image.channels.length));
  if (average !== false && frames.length > 0 && channelCounts.size === 1) {
    const first = frames[0]!.image;
    // Rigid and similarity frames are placed by their matrices (translations then by theirs).
    const matrices = frames.some((f) => f.matrix !== undefined) && frames.every((f) => f.shift.length === 2);
    const channels: NdArray<Float32Array>[] = first.channels.map((_, c) =>
      matrices
        ? stackedAverageByMatrix(
            frames.map((f) => ({
              image: f.image.channels[c]!,
              matrix: f.matrix ?? (shiftMatrix(f.shift) as Matrix3),
            })),
            { crop: average },
          ).image
        : stackedAverage(
            frames.map((f) => ({ image: f.image.channels[c]!, shift: f.shift })),
            { crop: average },
          ).image,
    );
    averagePath = await sink.write(
      'average.tif',
      encodeChannelsTiff({ ...first, channels }, { format: averageFormat, name: 'average' }),
    );
  }
  let zarrRoot: string | null = null;
  const seriesChannels = new Set(
    series.map((f) => `${f.channels.length}:${pixelTypeOf(f.channels[0]!.data)}`),
  );
  if (omeZarr && series.length > 0 && seriesChannels.size === 1) {
    const store = sinkStore(sink, OME_ZARR);
    await writeOmeZarr(store, series, { name: options.dataset });
    zarrRoot = store.written[0]!.replace(/\/zarr\.json$/, '');
  }
  const report = await sink.write(
    'report.html',
    renderReport({
      dataset: options.dataset,
      results,
      series: options.series ?? [],
      stacks: options.stacks ?? [],
      finishedAt: options.finishedAt ?? new Date(),
      thumbnails: thumbnails === false ? [] : await reportThumbnails(results, options.readImage, thumbnails),
      facts: {
        ...facts,
        'stacked average': averagePath === null ? 'none' : `${average} (${frames.length} frames)`,
      },
    }),
  );
  return { shiftsCsv, shiftsJson, report, registered, omeZarr: zarrRoot, average: averagePath };
}

/** The registered series' OME-Zarr, beside the other outputs. */
const OME_ZARR = 'registered.ome.zarr';

/** `a/b/frame 1.tif` -> `b__frame 1` style flat names: folders joined by `__`, extension dropped. */
function stem(file: string): string {
  const flat = file.split('/').join('__');
  return flat.replace(/(\.ome)?\.[^./]*$/i, '') || 'image';
}

/** A result moved by its matrix rather than its shift: a rigid, similarity or affine model. */
function byMatrix(r: ImageResult): boolean {
  return (
    r.model !== undefined &&
    r.model !== null &&
    r.model !== 'translation' &&
    r.matrix !== undefined &&
    r.matrix !== null
  );
}
