import { seriesDriftCsv } from '../drift/drift-csv.js';
import { applyDrift } from '../drift/apply-drift.js';
import { encodeChannelsTiff } from '../imaging/encode-channels-tiff.js';
import type { ImageChannels } from '../imaging/image-channels.js';
import { pixelSizeUm } from '../imaging/pixel-size.js';
import { isMetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { sectionQuality, type SectionQualityTable } from '../quality-metrics/section-quality.js';
import { sectionQualityCsv, sectionQualityJson } from '../quality-metrics/section-quality-csv.js';
import { translationMatrix } from '../registration/similarity/transform-matrix.js';
import { outputFrameBox } from '../tiling/output-frame-box.js';
import type { StackQuality } from '../report/section-quality-section.js';
import type { OutputSink } from './output-sink.js';
import type { SeriesResult } from './series-result.js';
import { writeSectionStack } from './write-section-stack.js';

export interface WriteSeriesOutputsOptions {
  /** Reads every channel of the series' file (`decodeChannels`), or undefined if it cannot be read. */
  readImage: (series: SeriesResult) => Promise<ImageChannels | undefined>;
  /** Write the corrected stack. @default true */
  correctedStack?: boolean;
  /** How frames are moved: cubic spline (zeros outside) or Fourier shift (periodic). @default 'spline' */
  method?: 'spline' | 'fourier';
}

/** Where one series' outputs went. */
export interface WrittenSeries {
  readonly file: string;
  readonly driftCsv: string;
  readonly driftJson: string;
  /** The corrected stack, null when not written (option off, unreadable file). */
  readonly corrected: string | null;
  /** A stack of sections: each section's matrix (`transforms.csv`, `transforms.json`). */
  readonly transformsCsv?: string;
  readonly transformsJson?: string;
  /**
   * The corrected stack's registration quality between consecutive frames (`sectionQuality` of
   * its first channel over the region every frame covers), written as `quality.csv` and
   * `quality.json` (`<name>.` before them with several series); null without a corrected stack.
   */
  readonly quality: {
    readonly csv: string;
    readonly json: string;
    readonly table: SectionQualityTable;
  } | null;
}

/**
 * Writes each solved series' outputs: `drift.csv` and `drift.json` (`<name>.drift.csv` and
 * `<name>.drift.json` when the run holds several series), with `_um` columns when the file states
 * its pixel size, and ONE corrected stack `<name>_corrected.tif`: every channel of the file, frame
 * k (a plane, or a volume of a 4D t x z series, moved by its 3D drift) moved by minus its drift
 * (`applyDrift`), written like the input (an ImageJ hyperstack for an ImageJ file, else OME-TIFF)
 * with its channel names, axes and pixel size; for a series of planes, its per-frame quality table
 * (`quality.csv`, `quality.json`: each frame against the one before). A stack of sections
 * (`sections`: an affine model) is resampled through its matrices instead, as `metdb align`
 * writes it (`writeSectionStack`: MRC for MRC input, `transforms.csv` and `.json`).
 */
export async function writeSeriesOutputs(
  sink: OutputSink,
  series: readonly SeriesResult[],
  options: WriteSeriesOutputsOptions,
): Promise<WrittenSeries[]> {
  const { correctedStack = true, method = 'spline' } = options;
  const solved = series.filter((s) => s.state === 'done' && s.drift.length === s.frames);
  const written: WrittenSeries[] = [];
  for (const s of solved) {
    const ndim = s.drift[0]?.length ?? 2;
    const name = stem(s.file);
    const prefix = solved.length === 1 ? '' : `${name}.`;
    const um = s.pixelSize === null ? undefined : pixelSizeUm(s.pixelSize, ndim);
    const sizes = um !== undefined && um.every((v) => v !== null) ? um : undefined;
    const table = { frames: s.drift.map((_, k) => k), drift: s.drift };
    const driftCsv = await sink.write(`${prefix}drift.csv`, seriesDriftCsv(table, sizes));
    const document = {
      ...(s.trajectory ?? {}),
      pixelSizeUm: sizes ?? null,
      frames: s.drift.map((d, frame) => ({
        frame,
        drift_px: d.map((v) => round(v, 4)),
        ...(sizes === undefined ? {} : { drift_um: d.map((v, a) => round(v * sizes[a]!, 6)) }),
        shift_px: d.map((v) => round(-v, 4)),
        error_px: s.errors[frame]!.map((v) => (v === null ? null : round(v, 4))),
        quality: s.quality[frame] ?? null,
      })),
    };
    const driftJson = await sink.write(`${prefix}drift.json`, `${JSON.stringify(document, null, 2)}\n`);
    let corrected: string | null = null;
    let quality: WrittenSeries['quality'] = null;
    const { sections } = s;
    if (correctedStack && sections !== undefined) {
      const stack = (await options.readImage(s))?.channels[0];
      if (stack?.shape.length === 3 && stack.shape[0] === s.frames) {
        const files = await writeSectionStack(sink, { ...s, sections }, stack, { name, prefix });
        written.push({ file: s.file, driftCsv, driftJson, ...files });
        continue;
      }
    } else if (correctedStack && (ndim === 2 || ndim === 3)) {
      // A series of volumes is decoded as its t x z planes, time-major: one volume a frame.
      const planes = ndim === 2 ? s.frames : s.frames * s.frameShape[0]!;
      const image = await options.readImage(s);
      const first = image?.channels[0];
      if (image !== undefined && first?.shape.length === 3 && first.shape[0] === planes) {
        const channels = image.channels.map((c) => {
          const stack = ndim === 2 ? c : { data: c.data, shape: [s.frames, ...s.frameShape] };
          return { ...applyDrift(stack, table, { method }), shape: [...c.shape] };
        });
        const format = image.metadataFormat === 'imagej' ? 'imagej' : 'ome';
        corrected = await sink.write(
          `${name}_corrected${format === 'imagej' ? '.tif' : '.ome.tif'}`,
          encodeChannelsTiff(
            { ...image, channels },
            {
              format,
              name: `${name}_corrected`,
              stackAxis: 't',
              ...(ndim === 3 ? { timePoints: s.frames } : {}),
            },
          ),
        );
        const frames = ndim === 2 ? correctedQuality(channels[0]!, s.drift) : null;
        if (frames !== null) {
          quality = {
            csv: await sink.write(`${prefix}quality.csv`, sectionQualityCsv(frames)),
            json: await sink.write(`${prefix}quality.json`, sectionQualityJson(frames)),
            table: frames,
          };
        }
      }
    }
    written.push({ file: s.file, driftCsv, driftJson, corrected, quality });
  }
  return written;
}

/**
 * The per-frame table of a corrected stack (t, y, x) over the region every frame covers (frame k
 * moved by minus its drift); null for a single frame or frames with no region in common.
 */
function correctedQuality(stack: NdArray, drift: readonly (readonly number[])[]): SectionQualityTable | null {
  if (stack.shape.length !== 3 || stack.shape[0]! < 2) return null;
  try {
    const moves = drift.map((d) => translationMatrix(d.map((v) => -v)));
    const box = outputFrameBox(moves, [stack.shape[1]!, stack.shape[2]!], 'crop');
    return sectionQuality(stack, { box, bins: 256 });
  } catch (error) {
    if (isMetdbError(error)) return null;
    throw error;
  }
}

function round(v: number, digits: number): number | null {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) + 0 : null;
}

/** `a/b/pc12.ome.tif` -> `b__pc12`: folders joined by `__`, extension dropped. */
function stem(file: string): string {
  const flat = file.split('/').join('__');
  return flat.replace(/(\.ome)?\.[^./]*$/i, '') || 'series';
}

/** The per-frame quality tables of the written series, as the report draws them (named by file). */
export function stackQualities(written: readonly WrittenSeries[]): StackQuality[] {
  return written.flatMap((w) => (w.quality === null ? [] : [{ name: w.file, table: w.quality.table }]));
}

/** A written series' files (`writtenSeriesFiles`). */
export type WrittenSeriesFiles = Omit<WrittenSeries, 'quality'> & {
  readonly qualityCsv: string | null;
  readonly qualityJson: string | null;
};

/** A written series as a manifest or JSON summary lists it: its files, the quality table left out. */
export function writtenSeriesFiles({ quality, ...files }: WrittenSeries): WrittenSeriesFiles {
  return { ...files, qualityCsv: quality?.csv ?? null, qualityJson: quality?.json ?? null };
}
