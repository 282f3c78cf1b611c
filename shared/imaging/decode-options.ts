import { MetdbError } from '../errors/metdb-error.js';

/** Options of `decodeImage`, `inspectImage` and `readImageFile`. */
export interface DecodeOptions {
  /**
   * Which channel to return: an index into the channels (samples per pixel, or the page channels
   * of an ImageJ hyperstack / OME-TIFF), or `'luminance'` (0.2125 R + 0.7154 G + 0.0721 B, as
   * scikit-image's `rgb2gray`, in the input's units, as float32; needs 3 or 4 channels).
   * @default 'luminance' for 8-bit RGB(A) images (photos, brightfield), 0 for everything else
   */
  readonly channel?: number | 'luminance';
  /**
   * Largest accepted number of output voxels (width x height x depth), checked on the header
   * before any pixel is decoded; also passed to sharp as `limitInputPixels`.
   * @default 1.5e9
   */
  readonly maxPixels?: number;
  /**
   * Largest accepted encoded input, in bytes.
   * @default 2 ** 31 - 1
   */
  readonly maxBytes?: number;
  /**
   * Put the decoded pixels in a `SharedArrayBuffer`, to hand them to worker threads without a copy
   * (a copy of a large image is a fresh allocation: its page faults cost as much as the decoding).
   * @default false
   */
  readonly sharedMemory?: boolean;
  /**
   * NaN and infinite float pixels: `'mask'` replaces each by the mean of its finite neighbours
   * (`maskNonFinite`) so registration, quality figures and outputs see no non-finite value;
   * `'keep'` leaves them, for a conversion that must not change a pixel.
   * @default 'mask'
   */
  readonly nonFinite?: 'mask' | 'keep';
}

export const DEFAULT_MAX_PIXELS = 1.5e9;
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

export interface ResolvedDecodeOptions {
  readonly channel: number | 'luminance' | undefined;
  readonly maxPixels: number;
  readonly maxBytes: number;
  readonly sharedMemory: boolean;
  readonly nonFinite: 'mask' | 'keep';
}

/** Validates options and fills defaults; throws `invalid-argument` on nonsense. */
export function resolveDecodeOptions(options: DecodeOptions = {}): ResolvedDecodeOptions {
  const {
    channel,
    maxPixels = DEFAULT_MAX_PIXELS,
    maxBytes = DEFAULT_MAX_BYTES,
    sharedMemory = false,
    nonFinite = 'mask',
  } = options;
  if (channel !== undefined && channel !== 'luminance' && !(Number.isInteger(channel) && channel >= 0)) {
    throw new MetdbError(
      'invalid-argument',
      `channel must be a non-negative integer or 'luminance', got ${String(channel)}`,
      {
        details: { option: 'channel', value: channel },
      },
    );
  }
  for (const [name, value] of [
    ['maxPixels', maxPixels],
    ['maxBytes', maxBytes],
  ] as const) {
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new MetdbError('invalid-argument', `${name} must be a positive number, got ${String(value)}`, {
        details: { option: name, value },
      });
    }
  }
  if (typeof sharedMemory !== 'boolean') {
    throw new MetdbError(
      'invalid-argument',
      `sharedMemory must be true or false, got ${String(sharedMemory)}`,
      {
        details: { option: 'sharedMemory', value: sharedMemory },
      },
    );
  }
  if (nonFinite !== 'mask' && nonFinite !== 'keep') {
    throw new MetdbError('invalid-argument', `nonFinite must be 'mask' or 'keep', got ${String(nonFinite)}`, {
      details: { option: 'nonFinite', value: nonFinite },
    });
  }
  return { channel, maxPixels, maxBytes, sharedMemory, nonFinite };
}
