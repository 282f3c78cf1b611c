import { MetdbError } from '../errors/metdb-error.js';
import type { TiffStructure } from './tiff-structure.js';

/** How the pixels libvips returns must be reinterpreted after `tiffForLibvips` patched the file. */
export type SignedSamples = 'int8' | 'int16' | undefined;

/**
 * Prepares TIFF bytes for libvips, in a copy (the caller's bytes are untouched), so that we get
 * the stored sample values:
 * - palette pages (ImageJ stores its LUTs as TIFF palettes) become min-is-black: we want the
 *   stored indices, like tifffile and ImageJ, not the LUT colours libvips would map them to;
 * - signed 8/16-bit pages are declared unsigned: sharp clips negative int16 to 0, whereas the
 *   unsigned bits reinterpreted as signed are exact (LZW/predictor decoding is modular).
 * Rejects sample types libvips cannot read (float16, float64, odd bit depths) as `unsupported-format`.
 */
export function tiffForLibvips(
  input: Uint8Array,
  structure: TiffStructure,
): { bytes: Uint8Array; signed: SignedSamples } {
  const p0 = structure.pages[0];
  if (p0 === undefined) return { bytes: input, signed: undefined };
  const { bitsPerSample: bits, sampleFormat } = p0;
  const details = { format: 'tiff', bitsPerSample: bits, sampleFormat };
  if (sampleFormat === 3 && bits !== 32) {
    throw new MetdbError(
      'unsupported-format',
      `${bits}-bit floating-point TIFF is not supported (only 32-bit float)`,
      { details },
    );
  }
  if (![1, 2, 4, 8, 16, 32].includes(bits) || ![1, 2, 3, 4].includes(sampleFormat)) {
    throw new MetdbError(
      'unsupported-format',
      `TIFF with ${bits} bits per sample, sample format ${sampleFormat}, is not supported`,
      { details },
    );
  }
  const signed: SignedSamples =
    sampleFormat === 2 && bits === 8 ? 'int8' : sampleFormat === 2 && bits === 16 ? 'int16' : undefined;
  const palette = structure.pages.filter((p) => p.photometric === 3 && p.photometricValueOffset >= 0);
  if (palette.length === 0 && signed === undefined) return { bytes: input, signed };
  const copy = new Uint8Array(input);
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  for (const p of palette) view.setUint16(p.photometricValueOffset, 1, structure.littleEndian);
  if (signed !== undefined) {
    for (const p of structure.pages) {
      for (let i = 0; i < p.sampleFormatCount && p.sampleFormatValueOffset >= 0; i++) {
        view.setUint16(p.sampleFormatValueOffset + 2 * i, 1, structure.littleEndian);
      }
    }
  }
  return { bytes: copy, signed };
}
