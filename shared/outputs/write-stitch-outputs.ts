import { encodeTiff } from '../imaging/encode-tiff.js';
import { toMicrometres, type PixelSize } from '../imaging/pixel-size.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { renderStitchReport } from '../report/render-stitch-report.js';
import { formatTileConfiguration } from '../stitching/format-tile-configuration.js';
import { fuseMosaic } from '../stitching/fuse-mosaic.js';
import { positionsCsv, positionsJson } from '../stitching/positions-table.js';
import type { StitchResult } from '../stitching/stitch-result.js';
import { omeXmlDescription } from './ome-xml-description.js';
import { writeOmeZarr } from './ome-zarr.js';
import type { OutputSink } from './output-sink.js';
import { sinkStore } from './sink-store.js';

/** The file names of a stitched mosaic's outputs (the contract of issue 21). */
export const STITCH_OUTPUT_NAMES = {
  tileConfiguration: 'TileConfiguration.registered.txt',
  positionsCsv: 'positions.csv',
  positionsJson: 'positions.json',
  mosaic: 'mosaic.ome.tif',
  mosaicZarr: 'mosaic.ome.zarr',
  report: 'report.html',
} as const;

/**
 * Writes the positions of a stitched mosaic: Fiji's `TileConfiguration.registered.txt`,
 * `positions.csv` and `positions.json` (docs/stitching.md), in micrometres too when the tiles'
 * pixel size is known. Returns where each went, by role.
 */
export async function writeStitchTables(
  sink: OutputSink,
  result: StitchResult,
  pixelSize: PixelSize | null = null,
): Promise<Record<'tileConfiguration' | 'positionsCsv' | 'positionsJson', string>> {
  const um =
    pixelSize === null
      ? null
      : { x: toMicrometres(pixelSize.x, pixelSize.unit), y: toMicrometres(pixelSize.y, pixelSize.unit) };
  const registered = { tiles: result.tiles.map((t) => ({ name: t.name, x: t.x, y: t.y })) };
  return {
    tileConfiguration: await sink.write(
      STITCH_OUTPUT_NAMES.tileConfiguration,
      formatTileConfiguration(registered, 'Registered by metdb stitch'),
    ),
    positionsCsv: await sink.write(STITCH_OUTPUT_NAMES.positionsCsv, positionsCsv(result, um)),
    positionsJson: await sink.write(STITCH_OUTPUT_NAMES.positionsJson, positionsJson(result, um)),
  };
}

export interface MosaicImageInput {
  readonly result: StitchResult;
  readonly channels: number;
  /** Every tile's plane of channel `c`, in layout order (read one channel at a time: memory). */
  readChannel(c: number): Promise<readonly NdArray[]>;
  readonly pixelType: 'uint8' | 'uint16' | 'float32';
  readonly pixelSize: PixelSize | null;
}

/**
 * Fuses every channel (`fuseMosaic`: linear blending, whole-pixel placement) into one OME-TIFF,
 * one page per channel, with the tiles' pixel size, and writes it as `mosaic.ome.tif`; the same
 * fused channels as OME-Zarr `mosaic.ome.zarr` (NGFF 0.5, one time point, a pyramid,
 * `writeOmeZarr`). Returns where each went.
 */
export async function writeMosaicImage(
  sink: OutputSink,
  input: MosaicImageInput,
): Promise<{ mosaic: string; mosaicZarr: string }> {
  const planes = [];
  for (let c = 0; c < input.channels; c++) {
    planes.push(fuseMosaic(await input.readChannel(c), input.result.tiles).image);
  }
  const [h, w] = planes[0]!.shape as [number, number];
  const data = new (
    planes[0]!.data.constructor as new (n: number) => Uint8Array | Uint16Array | Float32Array
  )(input.channels * h * w);
  planes.forEach((p, c) => data.set(p.data, c * h * w));
  const size = input.pixelSize;
  const description = omeXmlDescription({
    name: STITCH_OUTPUT_NAMES.mosaic,
    sizeX: w,
    sizeY: h,
    sizeC: input.channels,
    pixelType: input.pixelType,
    ...(size === null
      ? {}
      : { physicalSizeX: toMicrometres(size.x, size.unit), physicalSizeY: toMicrometres(size.y, size.unit) }),
  });
  const shape = input.channels === 1 ? [h, w] : [input.channels, h, w];
  const mosaic = await sink.write(STITCH_OUTPUT_NAMES.mosaic, encodeTiff({ data, shape }, { description }));
  const store = sinkStore(sink, STITCH_OUTPUT_NAMES.mosaicZarr);
  await writeOmeZarr(
    store,
    [
      {
        channels: planes as NdArray<Uint8Array | Uint16Array | Float32Array>[],
        names: null,
        pixelSize: size,
        metadataFormat: 'ome',
      },
    ],
    { name: 'mosaic' },
  );
  return { mosaic, mosaicZarr: store.written[0]!.replace(/\/zarr\.json$/, '') };
}

/** Writes `report.html`: the alignment map, the stage model and every edge. */
export async function writeStitchReport(
  sink: OutputSink,
  input: { dataset: string; result: StitchResult; finishedAt: Date; facts: Readonly<Record<string, string>> },
): Promise<string> {
  return sink.write(STITCH_OUTPUT_NAMES.report, renderStitchReport(input));
}
