import { pixelBuffer } from './pixel-buffer.js';
import type { TiffPage, TiffStructure } from './tiff-structure.js';

type Planes = Uint8Array | Uint16Array | Float32Array;

/** The sample types copied straight from the file, by bits per sample and sample format. */
const DIRECT: Readonly<Record<string, { pixelType: 'uint8' | 'uint16' | 'float32'; bytes: number }>> = {
  '8:1': { pixelType: 'uint8', bytes: 1 },
  '16:1': { pixelType: 'uint16', bytes: 2 },
  '32:3': { pixelType: 'float32', bytes: 4 },
};

/**
 * The planes of an uncompressed, one-sample, black-is-zero TIFF stored in strips (what most
 * microscope cameras and ImageJ write), copied straight out of the file, pages stacked along z,
 * byte order swapped to the machine's: the values libvips decodes from such a file, in a
 * fraction of its time (2048² 16-bit: 1-2 ms against 70-80 ms through sharp).
 *
 * Only that kind of page is read here; for anything else (compression, tiles, several samples,
 * palettes, min-is-white, signed or other sample types, strips shorter than their rows) the
 * answer is undefined and sharp decodes the file. The structure must already have passed
 * `checkTiffSegments` for these pages.
 *
 * @param pages page indexes in z order; every page must have the size and type of the first
 * @param pixelType the pixel type the plan promises (a page of another type gives undefined)
 * @param shared the planes in a `SharedArrayBuffer` (`DecodeOptions.sharedMemory`)
 */
export function uncompressedTiffPlanes(
  input: Uint8Array,
  structure: TiffStructure,
  pages: readonly number[],
  pixelType: string,
  shared = false,
): Planes | undefined {
  const selected = pages.map((p) => structure.pages[p]);
  const first = selected[0];
  if (first === undefined) return undefined;
  const kind = DIRECT[`${first.bitsPerSample}:${first.sampleFormat}`];
  if (kind === undefined || kind.pixelType !== pixelType) return undefined;
  if (!selected.every((page) => page !== undefined && isPlainStrips(page, first))) return undefined;
  const rowBytes = first.width * kind.bytes;
  const planeBytes = rowBytes * first.height;
  const out = pixelBuffer(Uint8Array, planeBytes * selected.length, shared);
  for (const [z, page] of (selected as TiffPage[]).entries()) {
    let at = z * planeBytes;
    for (let s = 0; s < page.expectedSegments; s++) {
      const rows = Math.min(page.rowsPerStrip, page.height - s * page.rowsPerStrip);
      const length = rows * rowBytes;
      if (page.segmentByteCounts[s]! < length) return undefined; // short strip: let libvips judge
      const offset = page.segmentOffsets[s]!;
      out.set(input.subarray(offset, offset + length), at);
      at += length;
    }
  }
  if (kind.bytes > 1 && structure.littleEndian !== machineIsLittleEndian) swapBytes(out, kind.bytes);
  if (kind.pixelType === 'uint8') return out;
  if (kind.pixelType === 'uint16') return new Uint16Array(out.buffer, 0, out.length / 2);
  return new Float32Array(out.buffer, 0, out.length / 4);
}

/** An uncompressed one-sample min-is-black page in strips, of the first page's size and type. */
function isPlainStrips(page: TiffPage, first: TiffPage): boolean {
  return (
    page.compression === 1 &&
    page.samplesPerPixel === 1 &&
    page.photometric === 1 &&
    !page.tiled &&
    page.rowsPerStrip > 0 &&
    page.width === first.width &&
    page.height === first.height &&
    page.bitsPerSample === first.bitsPerSample &&
    page.sampleFormat === first.sampleFormat
  );
}

const machineIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte sample in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
