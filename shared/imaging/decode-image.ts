import type { DecodeOptions } from './decode-options.js';
import { decodeMrc } from './decode-mrc.js';
import { decodeRaster } from './decode-raster.js';
import type { DecodedImage } from './image-info.js';
import { planImage } from './image-plan.js';
import { maskNonFinite } from './mask-non-finite.js';

/**
 * Decodes a TIFF, PNG, JPEG or MRC image (recognised by its magic bytes) to one channel.
 *
 * Output: `array.shape` is [y, x] for a single plane, [z, y, x] for a TIFF stack of several pages
 * or an MRC volume (nz, ny, nx); row-major, x fastest. Pixel types:
 * - 8-bit and 16-bit unsigned samples stay uint8 / uint16, 32-bit float stays float32;
 * - signed integers (TIFF int8/int16/int32, MRC modes 0 and 1), uint32, float64 and MRC float16
 *   become float32 (exact up to 2^24 in magnitude; float64 is rounded);
 * - luminance (see below) is float32 in the input's units (0..255 for 8-bit).
 *
 * Channels (`options.channel`):
 * - default: the luminance 0.2125 R + 0.7154 G + 0.0721 B (scikit-image's `rgb2gray` weights,
 *   no gamma, not rescaled) for 8-bit RGB(A) images (photos, brightfield: `space` sRGB with 3 or
 *   4 samples); channel 0 for everything else (grey, grey+alpha, 16-bit RGB, multi-sample
 *   fluorescence). Alpha is never blended.
 * - a number picks that channel: a sample of each pixel, or, for an ImageJ hyperstack
 *   (`channels=C`) or OME-TIFF (SizeC > 1) with one sample per pixel, the pages of that channel;
 *   the other pages (z slices, then time frames, time outer) form the z axis.
 * Pages: every page of a TIFF is a z plane, except pages that differ from the first in size or
 * sample type or are marked reduced-resolution (thumbnails, pyramid levels), which are skipped.
 * Palette TIFF pages (ImageJ LUTs) give their stored indices, like tifffile, not LUT colours.
 * No EXIF/TIFF orientation is applied: pixels come in stored order.
 * NaN and infinite float pixels are masked by default (`maskNonFinite`: the mean of their finite
 * neighbours), counted in `maskedPixels`; `nonFinite: 'keep'` leaves them.
 *
 * Limits: `maxBytes` on the input and `maxPixels` on output voxels are checked on the header
 * before any pixel is decoded.
 *
 * @throws MetdbError `unsupported-format` (not TIFF/PNG/JPEG/MRC, or a variant libvips cannot read),
 *   `corrupt-image` (empty, truncated, broken structure), `image-too-large`, `invalid-argument`
 *   (bad option, channel out of range).
 */
export async function decodeImage(input: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const plan = await planImage(input, options);
  const array =
    plan.kind === 'mrc'
      ? decodeMrc(input, plan.header, options.sharedMemory ?? false)
      : await decodeRaster(plan);
  const masked = options.nonFinite === 'keep' ? 0 : maskNonFinite(array);
  return masked === 0 ? { array, info: plan.info } : { array, info: plan.info, maskedPixels: masked };
}
