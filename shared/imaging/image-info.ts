import type { ImageFormat } from './image-format.js';
import type { PixelSize } from './pixel-size.js';
import type { NdArray, PixelType } from '../ndarray/ndarray.js';

/** What a file's header says, as seen through the decoding rules (see decode-image.ts). */
export interface ImageInfo {
  readonly format: ImageFormat;
  /** Pixels along x (columns). */
  readonly width: number;
  /** Pixels along y (rows). */
  readonly height: number;
  /**
   * Planes along z of the decoded array: the TIFF pages of one channel (all pages unless an
   * ImageJ/OME description says the pages hold several channels), MRC nz; 1 for PNG, JPEG and 2D.
   */
  readonly depth: number;
  /**
   * Channels one can pick with `DecodeOptions.channel`: samples per pixel (RGB = 3), or the page
   * channels of an ImageJ hyperstack / OME-TIFF.
   */
  readonly channels: number;
  /** Pixel type of the array `decodeImage` returns with the same options. */
  readonly pixelType: Extract<PixelType, 'uint8' | 'uint16' | 'float32'>;
  /** Bits per stored sample in the file (1, 8, 16, 32, 64...; 16 for MRC mode 1, 6 and 12). */
  readonly bitsPerSample: number;
  /**
   * Physical pixel (voxel) size the file states (OME-XML, ImageJ, TIFF resolution tags, MRC
   * cell), or null when it states none; see `tiffPixelSize` and `mrcPixelSize`.
   */
  readonly pixelSize: PixelSize | null;
  /** Names of the channels in order (OME `<Channel Name>`, ImageJ labels), null when unnamed. */
  readonly channelNames: readonly (string | null)[] | null;
  /** The TIFF's metadata flavour (outputs follow it: ImageJ in, ImageJ hyperstack out), else null. */
  readonly metadataFormat: 'ome' | 'imagej' | null;
}

/** A decoded image: one channel, shape [y, x] (2D) or [z, y, x] (stacks, volumes). */
export interface DecodedImage {
  readonly array: NdArray<Uint8Array | Uint16Array | Float32Array>;
  readonly info: ImageInfo;
  /** NaN and infinite pixels the decoder masked (`DecodeOptions.nonFinite`); absent when none. */
  readonly maskedPixels?: number;
}
