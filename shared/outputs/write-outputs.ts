import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { encodeTiff } from '../imaging/encode-tiff.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { renderReport } from '../report/render-report.js';
import type { ImageResult } from './image-result.js';
import { registeredFile } from './registered-file.js';
import { registeredImage, type RegisteredImageOptions } from './registered-image.js';
import { shiftTableCsv, shiftTableJson } from './shift-table.js';
import { stackedAverage } from './stacked-average.js';

export interface WriteOutputsOptions {
  /** Dataset name shown in the report. */
  dataset: string;
  /**
   * Reads an image's pixels (the channel that was registered), or undefined if it cannot be read.
   * Local runs read the file in the folder; cloud runs the canonical object.
   */
  readImage: (result: ImageResult) => Promise<NdArray<Uint8Array | Uint16Array | Float32Array> | undefined>;
  /**
   * Write `registered/<file>.tif` for every registered image and the reference (`.mrc`, with the
   * voxel size, for an MRC input). @default true
   */
  registeredImages?: boolean;
  /** How registered images are resampled. @default { method: 'spline' } */
  resample?: RegisteredImageOptions;
  /** Stacked average: 'full' canvas, 'overlap' (cropped to the common overlap), or false. @default 'full' */
  average?: 'full' | 'overlap' | false;
  /** Facts shown in the report (workers, duration...). @default {} */
  facts?: Record<string, string>;
  /** When the run finished. @default now */
  finishedAt?: Date;
}

/** What was written, as paths inside the output folder. */
export interface WrittenOutputs {
  readonly shiftsCsv: string;
  readonly shiftsJson: string;
  readonly report: string;
  readonly registered: readonly string[];
  /** The stacked average (float32 TIFF), or null when not written (option off, or < 1 usable frame). */
  readonly average: string | null;
}

/**
 * Writes a run's outputs into `dir`: `shifts.csv`, `shifts.json`, `registered/<name>.tif` (same
 * pixel type as the input, moved onto the reference grid; `.mrc` with its voxel size for an MRC
 * input), `average.tif` (the mean of the
 * registered frames, float32; 'full' canvas or cropped to the 'overlap') and `report.html`.
 */
export async function writeOutputs(
  dir: string,
  results: readonly ImageResult[],
  options: WriteOutputsOptions,
): Promise<WrittenOutputs> {
  const { registeredImages = true, resample = {}, average = 'full', facts = {} } = options;
  await mkdir(dir, { recursive: true });
  const shiftsCsv = join(dir, 'shifts.csv');
  const shiftsJson = join(dir, 'shifts.json');
  await writeFile(shiftsCsv, shiftTableCsv(results));
  await writeFile(shiftsJson, shiftTableJson(results));
  const registered: string[] = [];
  const frames: { image: NdArray; shift: readonly number[] }[] = [];
  const usable = results.filter(
    (r) => r.shift !== null && (r.role === 'registered' || r.role === 'reference'),
  );
  const referenceShape = results.find((r) => r.role === 'reference')?.shape ?? usable[0]?.shape ?? null;
  if (registeredImages || average !== false) {
    for (const r of usable) {
      const image = await options.readImage(r);
      if (image === undefined || image.shape.length !== r.shift!.length) continue;
      if (registeredImages) {
        const file = registeredFile(r.file, registeredImage(image, r.shift!, resample), r.pixelSize);
        const path = join(dir, 'registered', `${stem(r.file)}${file.extension}`);
        await mkdir(join(dir, 'registered'), { recursive: true });
        await writeFile(path, file.bytes);
        registered.push(path);
      }
      const sameShape = referenceShape !== null && referenceShape.every((n, a) => image.shape[a] === n);
      if (average !== false && sameShape && image.shape.length === referenceShape.length) {
        frames.push({ image, shift: r.shift! });
      }
    }
  }
  let averagePath: string | null = null;
  if (average !== false && frames.length > 0) {
    averagePath = join(dir, 'average.tif');
    await writeFile(averagePath, encodeTiff(stackedAverage(frames, { crop: average }).image));
  }
  const report = join(dir, 'report.html');
  await writeFile(
    report,
    renderReport({
      dataset: options.dataset,
      results,
      finishedAt: options.finishedAt ?? new Date(),
      facts: {
        ...facts,
        'stacked average': averagePath === null ? 'none' : `${average} (${frames.length} frames)`,
      },
    }),
  );
  return { shiftsCsv, shiftsJson, report, registered, average: averagePath };
}

/** `a/b/frame 1.tif` -> `b__frame 1` style flat names: folders joined by `__`, extension dropped. */
function stem(file: string): string {
  const flat = file.split('/').join('__');
  return basename(flat, extname(flat)) || 'image';
}
