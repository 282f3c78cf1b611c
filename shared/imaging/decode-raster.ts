import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import type { ImagePlan, RawDepth } from './image-plan.js';
import { ndarray } from '../ndarray/ndarray.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { sharpError } from './sharp-error.js';
import { pixelBuffer } from './pixel-buffer.js';
import { uncompressedTiffPlanes } from './uncompressed-tiff.js';

export type RasterPlan = Extract<ImagePlan, { kind: 'raster' }>;
type OutArray = Uint8Array | Uint16Array | Float32Array;

/** Luminance weights of scikit-image's `rgb2gray` (ITU-R BT.709 primaries). */
const LUMA = [0.2125, 0.7154, 0.0721] as const;

/**
 * Decodes the pixels of a TIFF, PNG or JPEG as the plan says: one channel (or the luminance), all
 * requested pages stacked along z, samples at their native depth. Uncompressed one-sample TIFFs
 * in strips are copied straight from the file (`uncompressedTiffPlanes`); the rest goes through
 * sharp (`decodeRasterWithSharp`).
 */
export async function decodeRaster(plan: RasterPlan): Promise<NdArray<OutArray>> {
  const { info, pages, tiff } = plan;
  const direct =
    tiff !== undefined && plan.sample === 0 && plan.samples === 1
      ? uncompressedTiffPlanes(plan.input, tiff, pages ?? [0], info.pixelType, plan.options.sharedMemory)
      : undefined;
  return direct === undefined ? decodeRasterWithSharp(plan) : ndarray(direct, shapeOf(plan));
}

/** `decodeRaster` through sharp, whatever the file (exported for the tests that compare both). */
export async function decodeRasterWithSharp(plan: RasterPlan): Promise<NdArray<OutArray>> {
  const { info, pages, totalPages } = plan;
  const planeSize = info.width * info.height;
  const out = allocate(info.pixelType, planeSize * info.depth, plan.options.sharedMemory);
  const runs = pageRuns(pages ?? [0], totalPages);
  let z = 0;
  for (const run of runs) {
    const planes = await decodeRun(plan, run.first, run.count);
    out.set(planes, z * planeSize);
    z += run.count;
  }
  return ndarray(out, shapeOf(plan));
}

function shapeOf({ info, pages }: RasterPlan): number[] {
  return info.depth > 1 || (pages !== undefined && pages.length > 1)
    ? [info.depth, info.height, info.width]
    : [info.height, info.width];
}

/** Splits a page list into runs of consecutive pages, each read in one sharp call. */
function pageRuns(pages: readonly number[], totalPages: number): { first: number; count: number }[] {
  if (pages.length === totalPages && pages.every((p, i) => p === i)) return [{ first: 0, count: totalPages }];
  const runs: { first: number; count: number }[] = [];
  for (const p of pages) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.first + last.count === p) last.count++;
    else runs.push({ first: p, count: 1 });
  }
  return runs;
}

async function decodeRun(plan: RasterPlan, first: number, count: number): Promise<OutArray> {
  const { info, sample, rawDepth, options } = plan;
  const multi = plan.pages !== undefined && plan.totalPages > 1;
  let pipeline = sharp(plan.input, {
    failOn: info.format === 'tiff' ? 'none' : 'truncated',
    limitInputPixels: Math.floor(options.maxPixels),
    ...(multi ? { page: first, pages: count } : {}),
  });
  // sharp's extractChannel takes bands 0..3; higher bands are picked from the interleaved output.
  const pickInJs = typeof sample === 'number' && sample > 3;
  // Always extract one band (sharp's raw output would expand grey to three), and ask for the
  // input's own colourspace: any other would convert (16-bit grey to 8-bit sRGB, for instance).
  if (typeof sample === 'number' && !pickInJs) pipeline = pipeline.extractChannel(sample as 0 | 1 | 2 | 3);
  pipeline = pipeline.toColourspace(plan.space);
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw({ depth: rawDepth }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw sharpError(error, info.format);
  }
  let values = typedView(raw.data, rawDepth);
  if (plan.signed === 'int8') values = new Int8Array(values.buffer, values.byteOffset, values.length);
  if (plan.signed === 'int16') values = new Int16Array(values.buffer, values.byteOffset, values.length);
  if (sample === 'luminance') {
    const n = values.length / raw.info.channels;
    const lum = new Float32Array(n);
    const c = raw.info.channels;
    for (let i = 0, j = 0; i < n; i++, j += c) {
      lum[i] = LUMA[0] * (values[j] ?? 0) + LUMA[1] * (values[j + 1] ?? 0) + LUMA[2] * (values[j + 2] ?? 0);
    }
    return lum;
  }
  if (pickInJs) {
    const c = raw.info.channels;
    const picked = allocate(info.pixelType, values.length / c, false);
    for (let i = 0, j = sample; i < picked.length; i++, j += c) picked[i] = values[j] ?? 0;
    return picked;
  }
  if (info.pixelType === 'uint8' && values instanceof Uint8Array) return values;
  if (info.pixelType === 'uint16' && values instanceof Uint16Array) return values;
  if (values instanceof Float32Array) return values;
  return Float32Array.from(values);
}

function allocate(pixelType: string, n: number, shared: boolean): OutArray {
  if (pixelType === 'uint8') return pixelBuffer(Uint8Array, n, shared);
  if (pixelType === 'uint16') return pixelBuffer(Uint16Array, n, shared);
  return pixelBuffer(Float32Array, n, shared);
}

/** A typed view of sharp's raw output (native byte order), copied if misaligned. */
function typedView(
  buffer: Buffer,
  depth: RawDepth,
):
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array {
  const ctor = {
    uchar: Uint8Array,
    char: Int8Array,
    ushort: Uint16Array,
    short: Int16Array,
    uint: Uint32Array,
    int: Int32Array,
    float: Float32Array,
    double: Float64Array,
  }[depth];
  const size = ctor.BYTES_PER_ELEMENT;
  if (buffer.byteOffset % size === 0)
    return new ctor(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength / size);
  return new ctor(new Uint8Array(buffer).buffer, 0, buffer.byteLength / size);
}
