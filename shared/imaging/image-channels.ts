import type { NdArray } from '../ndarray/ndarray.js';
import { decodeImage } from './decode-image.js';
import type { DecodeOptions } from './decode-options.js';
import type { ImageInfo } from './image-info.js';
import type { PixelSize } from './pixel-size.js';

/** Every channel of an image, in order, with what the outputs must keep of it. */
export interface ImageChannels {
  /** One array per channel, all of one shape ([y, x] or [z, y, x]) and pixel type. */
  readonly channels: readonly NdArray<Uint8Array | Uint16Array | Float32Array>[];
  /** Channel names in order (null for an unnamed channel), or null when the file names none. */
  readonly names: readonly (string | null)[] | null;
  readonly pixelSize: PixelSize | null;
  /** The input's metadata flavour: an ImageJ input gives an ImageJ hyperstack, others OME-TIFF. */
  readonly metadataFormat: ImageInfo['metadataFormat'];
}

/**
 * Decodes every channel of an image (samples per pixel, or the page channels of an ImageJ
 * hyperstack / OME-TIFF), each as `decodeImage` with `channel: c` gives it.
 */
export async function decodeChannels(
  input: Uint8Array,
  options: Omit<DecodeOptions, 'channel'> = {},
): Promise<ImageChannels> {
  const first = await decodeImage(input, { ...options, channel: 0 });
  const { info } = first;
  const channels = [first.array];
  for (let c = 1; c < info.channels; c++) {
    channels.push((await decodeImage(input, { ...options, channel: c })).array);
  }
  return {
    channels,
    names: info.channelNames,
    pixelSize: info.pixelSize,
    metadataFormat: info.metadataFormat,
  };
}
