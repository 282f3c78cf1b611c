import type { DecodeOptions } from './decode-options.js';
import type { ImageInfo } from './image-info.js';
import { planImage } from './image-plan.js';

/**
 * Reads only the header of an image (no pixel decoding) and returns what `decodeImage` would
 * return as `info` with the same options, after the same checks: format by magic bytes, the
 * `maxBytes`/`maxPixels` limits, TIFF structure and truncation. For validating uploads cheaply.
 *
 * @throws MetdbError `unsupported-format`, `corrupt-image`, `image-too-large`, `invalid-argument`
 */
export async function inspectImage(input: Uint8Array, options: DecodeOptions = {}): Promise<ImageInfo> {
  return (await planImage(input, options)).info;
}
