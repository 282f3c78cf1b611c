import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { MetdbError } from '../errors/metdb-error.js';
import { resolveDecodeOptions } from './decode-options.js';
import type { DecodeOptions, ResolvedDecodeOptions } from './decode-options.js';
import { detectImageFormat } from './image-format.js';
import type { ImageInfo } from './image-info.js';
import { checkImageSize, checkInputBytes } from './image-limits.js';
import { parseMrcHeader } from './mrc-header.js';
import type { MrcHeader } from './mrc-header.js';
import { tiffChannelNames, tiffMetadataFormat } from './channel-names.js';
import { mrcPixelSize } from './mrc-pixel-size.js';
import { sharpError } from './sharp-error.js';
import { tiffPixelSize } from './tiff-pixel-size.js';
import { tiffPageLayout } from './tiff-page-layout.js';
import { tiffForLibvips } from './tiff-for-libvips.js';
import type { SignedSamples } from './tiff-for-libvips.js';
import { checkTiffSegments, readTiffStructure, type TiffStructure } from './tiff-structure.js';

/** sharp's raw sample depths that we read, with their output pixel type and size. */
export type RawDepth = 'uchar' | 'char' | 'ushort' | 'short' | 'uint' | 'int' | 'float' | 'double';
const RAW_DEPTHS: Readonly<Record<RawDepth, { pixelType: ImageInfo['pixelType']; bytes: number }>> = {
  uchar: { pixelType: 'uint8', bytes: 1 },
  char: { pixelType: 'float32', bytes: 1 },
  ushort: { pixelType: 'uint16', bytes: 2 },
  short: { pixelType: 'float32', bytes: 2 },
  uint: { pixelType: 'float32', bytes: 4 },
  int: { pixelType: 'float32', bytes: 4 },
  float: { pixelType: 'float32', bytes: 4 },
  double: { pixelType: 'float32', bytes: 8 },
};

/** How to decode one input: the header facts plus the choices the decoding rules made. */
export type ImagePlan =
  | { readonly kind: 'mrc'; readonly info: ImageInfo; readonly header: MrcHeader }
  | {
      readonly kind: 'raster';
      readonly info: ImageInfo;
      readonly options: ResolvedDecodeOptions;
      /** The bytes to give sharp (a TIFF with palette pages is patched to read the indices). */
      readonly input: Uint8Array;
      /** TIFF pages to read, in z order; undefined for PNG and JPEG. */
      readonly pages: readonly number[] | undefined;
      /** Total pages of the TIFF (1 for PNG and JPEG). */
      readonly totalPages: number;
      /** Samples per pixel as libvips delivers them. */
      readonly samples: number;
      /** Which sample to keep, or luminance of the first three. */
      readonly sample: number | 'luminance';
      readonly rawDepth: RawDepth;
      /** libvips interpretation of the input (kept on output so that no conversion happens). */
      readonly space: string;
      /** Signed samples read as unsigned (see tiff-for-libvips.ts), to reinterpret. */
      readonly signed: SignedSamples;
      /** The TIFF's directory walk (undefined for PNG and JPEG): plain pages are read without sharp. */
      readonly tiff: TiffStructure | undefined;
    };

/**
 * Reads the header only (sharp `metadata()`, our TIFF directory walk or the MRC header), applies
 * the limits and the decoding rules, and says how the pixels will be decoded. Cheap: no pixels.
 */
export async function planImage(input: Uint8Array, decodeOptions: DecodeOptions = {}): Promise<ImagePlan> {
  const options = resolveDecodeOptions(decodeOptions);
  checkInputBytes(input.byteLength, options);
  if (input.byteLength === 0) {
    throw new MetdbError('corrupt-image', 'empty image file (0 bytes)', { details: { bytes: 0 } });
  }
  const format = detectImageFormat(input);
  if (format === undefined) {
    const head = Array.from(input.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new MetdbError('unsupported-format', `not a TIFF, PNG, JPEG or MRC image (first bytes: ${head})`, {
      details: { bytes: input.byteLength, magic: head },
    });
  }

  if (format === 'mrc') {
    const header = parseMrcHeader(input);
    if (options.channel !== undefined && options.channel !== 0) {
      throw badChannel(options.channel, 1, format);
    }
    checkImageSize(
      { width: header.nx, height: header.ny, depth: header.nz, channels: 1, bytesPerSample: 4 },
      options,
    );
    const pixelType = header.mode === 6 ? 'uint16' : 'float32';
    const info: ImageInfo = {
      format,
      width: header.nx,
      height: header.ny,
      depth: header.nz,
      channels: 1,
      pixelType,
      bitsPerSample: header.bytesPerVoxel * 8,
      pixelSize: mrcPixelSize(header),
      channelNames: null,
      metadataFormat: null,
    };
    return { kind: 'mrc', info, header };
  }

  let sharpInput = input;
  let pages: readonly number[] | undefined;
  let pageChannels = 1;
  let totalPages = 1;
  let bitsPerSample: number | undefined;
  let signed: SignedSamples;
  let tiff: TiffStructure | undefined;
  if (format === 'tiff') {
    const structure = readTiffStructure(input);
    tiff = structure;
    const layout = tiffPageLayout(structure);
    const p0 = structure.pages[0];
    if (p0 === undefined)
      throw new MetdbError('corrupt-image', 'corrupt TIFF: no pages', { details: { format } });
    pageChannels = layout.pageChannels;
    totalPages = structure.pages.length;
    const pageChannel = pageChannels > 1 && typeof options.channel === 'number' ? options.channel : 0;
    if (pageChannel >= pageChannels) throw badChannel(pageChannel, pageChannels, format);
    pages = layout.pagesOf(pageChannel);
    bitsPerSample = p0.bitsPerSample;
    const bytesPerSample = Math.max(1, Math.ceil(p0.bitsPerSample / 8));
    checkImageSize(
      {
        width: p0.width,
        height: p0.height,
        depth: pages.length,
        channels: p0.samplesPerPixel,
        bytesPerSample,
      },
      options,
    );
    checkTiffSegments(structure, pages, input.byteLength);
    ({ bytes: sharpInput, signed } = tiffForLibvips(input, structure));
  }

  let meta: Metadata;
  try {
    meta = await sharp(sharpInput, { failOn: 'none', limitInputPixels: false }).metadata();
  } catch (error) {
    throw sharpError(error, format);
  }
  const depthName = meta.depth as RawDepth | undefined;
  const raw = depthName === undefined ? undefined : RAW_DEPTHS[depthName];
  if (raw === undefined || depthName === undefined) {
    throw new MetdbError(
      'unsupported-format',
      `${format.toUpperCase()} sample type ${String(meta.depth)} is not supported`,
      {
        details: { format, depth: meta.depth },
      },
    );
  }
  const samples = meta.channels;
  const depth = pages?.length ?? 1;
  checkImageSize(
    { width: meta.width, height: meta.height, depth, channels: samples, bytesPerSample: raw.bytes },
    options,
  );

  const isPhoto = samples >= 3 && depthName === 'uchar' && meta.space === 'srgb';
  let sample: number | 'luminance' = options.channel ?? (isPhoto ? 'luminance' : 0);
  if (pageChannels > 1) sample = 0;
  if (sample === 'luminance' && samples < 3) {
    throw new MetdbError(
      'invalid-argument',
      `channel 'luminance' needs an RGB image, this ${format.toUpperCase()} has ${samples} channel(s)`,
      {
        details: { option: 'channel', value: sample, channels: samples, format },
      },
    );
  }
  if (typeof sample === 'number' && sample >= samples) throw badChannel(sample, samples, format);

  const info: ImageInfo = {
    format,
    width: meta.width,
    height: meta.height,
    depth,
    channels: pageChannels > 1 ? pageChannels : samples,
    pixelType: sample === 'luminance' || signed !== undefined ? 'float32' : raw.pixelType,
    bitsPerSample: bitsPerSample ?? meta.bitsPerSample ?? raw.bytes * 8,
    pixelSize: tiff === undefined ? null : tiffPixelSize(tiff),
    channelNames:
      tiff === undefined ? null : tiffChannelNames(tiff, pageChannels > 1 ? pageChannels : samples),
    metadataFormat: tiff === undefined ? null : tiffMetadataFormat(tiff),
  };
  return {
    kind: 'raster',
    info,
    options,
    input: sharpInput,
    pages,
    totalPages,
    samples,
    sample,
    rawDepth: depthName,
    space: meta.space ?? 'b-w',
    signed,
    tiff,
  };
}

function badChannel(channel: number | 'luminance', channels: number, format: string): MetdbError {
  return new MetdbError(
    'invalid-argument',
    `channel ${String(channel)} does not exist: this ${format.toUpperCase()} has ${channels} channel(s)`,
    {
      details: { option: 'channel', value: channel, channels, format },
    },
  );
}
