import { MetdbError } from '../errors/metdb-error.js';
import type { ImageFormat } from './image-format.js';

/**
 * Maps an error thrown by sharp (libvips) to a MetdbError: `image-too-large` for its pixel limit,
 * `unsupported-format` when libvips cannot read this kind of file (e.g. a TIFF compression it does
 * not know), `corrupt-image` otherwise. The libvips message is kept in the message and `cause`.
 */
export function sharpError(error: unknown, format: ImageFormat): MetdbError {
  const reason = error instanceof Error ? (error.message.trim().split('\n')[0] ?? '') : String(error);
  const details = { format, reason };
  if (/pixel limit/i.test(reason)) {
    return new MetdbError(
      'image-too-large',
      `${format.toUpperCase()} image exceeds the pixel limit: ${reason}`,
      { details, cause: error },
    );
  }
  if (/unsupported|not supported|unknown compression|unimplemented/i.test(reason)) {
    return new MetdbError('unsupported-format', `${format.toUpperCase()} variant not supported: ${reason}`, {
      details,
      cause: error,
    });
  }
  return new MetdbError('corrupt-image', `corrupt ${format.toUpperCase()} image: ${reason}`, {
    details,
    cause: error,
  });
}
