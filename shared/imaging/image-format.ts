/** The file formats Met-db decodes. */
export type ImageFormat = 'tiff' | 'png' | 'jpeg' | 'mrc';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MRC_MODES = new Set([0, 1, 2, 3, 4, 6, 12, 101]);

/**
 * Recognises a format by its magic bytes, never by file name:
 * TIFF `II*\0` / `MM\0*` (and BigTIFF `II+\0` / `MM\0+`), PNG's 8-byte signature, JPEG `FF D8 FF`,
 * MRC2014 by `MAP ` at byte 208 plus a sane header (positive sizes, a known mode) in either byte order.
 * Returns `undefined` for anything else.
 */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 4) {
    const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if (b0 === 0x49 && b1 === 0x49 && (b2 === 42 || b2 === 43) && b3 === 0) return 'tiff';
    if (b0 === 0x4d && b1 === 0x4d && b2 === 0 && (b3 === 42 || b3 === 43)) return 'tiff';
  }
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (looksLikeMrc(bytes)) return 'mrc';
  return undefined;
}

function looksLikeMrc(bytes: Uint8Array): boolean {
  if (bytes.length < 1024) return false;
  if (bytes[208] !== 0x4d || bytes[209] !== 0x41 || bytes[210] !== 0x50 || bytes[211] !== 0x20) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 1024);
  return [true, false].some((little) => {
    const [nx, ny, nz, mode] = [0, 4, 8, 12].map((o) => view.getInt32(o, little)) as [
      number,
      number,
      number,
      number,
    ];
    return nx > 0 && ny > 0 && nz > 0 && MRC_MODES.has(mode);
  });
}
