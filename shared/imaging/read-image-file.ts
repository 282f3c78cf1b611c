import { readFile, stat } from 'node:fs/promises';
import { MetdbError, isMetdbError } from '../errors/metdb-error.js';
import { decodeImage } from './decode-image.js';
import { resolveDecodeOptions } from './decode-options.js';
import type { DecodeOptions } from './decode-options.js';
import type { DecodedImage } from './image-info.js';
import { checkInputBytes } from './image-limits.js';

/**
 * Reads an image file and decodes it with `decodeImage` (see there for the rules). Every error
 * names the file: in its message (`<path>: ...`) and in `details.file`. A missing file is
 * `not-found`; other file-system failures are `unavailable` (transient).
 */
export async function readImageFile(path: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  try {
    const resolved = resolveDecodeOptions(options);
    let bytes: Buffer;
    try {
      checkInputBytes((await stat(path)).size, resolved);
      bytes = await readFile(path);
    } catch (error) {
      if (isMetdbError(error)) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new MetdbError('not-found', `no such file`, { cause: error });
      if (code === 'EISDIR')
        throw new MetdbError('invalid-argument', `is a directory, not an image file`, { cause: error });
      throw new MetdbError('unavailable', `cannot read: ${(error as Error).message}`, {
        cause: error,
        details: { errno: code },
      });
    }
    return await decodeImage(bytes, options);
  } catch (error) {
    if (!isMetdbError(error)) throw error;
    throw new MetdbError(error.code, `${path}: ${error.message}`, {
      kind: error.kind,
      details: { ...error.details, file: path },
      cause: error.cause ?? error,
    });
  }
}
