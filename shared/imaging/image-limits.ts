import { constants } from 'node:buffer';
import { MetdbError } from '../errors/metdb-error.js';
import type { ResolvedDecodeOptions } from './decode-options.js';

/** Throws `image-too-large` when the encoded input exceeds `maxBytes`. */
export function checkInputBytes(byteLength: number, options: ResolvedDecodeOptions): void {
  if (byteLength > options.maxBytes) {
    throw new MetdbError(
      'image-too-large',
      `image file has ${byteLength} bytes, more than the limit of ${options.maxBytes}`,
      {
        details: { bytes: byteLength, maxBytes: options.maxBytes },
      },
    );
  }
}

/**
 * Throws `image-too-large` when a header claims more output voxels than `maxPixels`, or more
 * decoded bytes (all channels of the planes read at once) than a Node Buffer can hold.
 */
export function checkImageSize(
  size: { width: number; height: number; depth: number; channels: number; bytesPerSample: number },
  options: ResolvedDecodeOptions,
): void {
  const { width, height, depth, channels, bytesPerSample } = size;
  const voxels = width * height * depth;
  const details = { width, height, depth, voxels, maxPixels: options.maxPixels };
  if (voxels > options.maxPixels) {
    throw new MetdbError(
      'image-too-large',
      `image of ${width} x ${height} x ${depth} = ${voxels} voxels exceeds the limit of ${options.maxPixels}`,
      { details },
    );
  }
  const decodedBytes = voxels * channels * bytesPerSample;
  if (decodedBytes > constants.MAX_LENGTH) {
    throw new MetdbError(
      'image-too-large',
      `image of ${width} x ${height} x ${depth} with ${channels} channel(s) needs ${decodedBytes} bytes to decode, more than a buffer holds (${constants.MAX_LENGTH})`,
      { details: { ...details, decodedBytes } },
    );
  }
}
