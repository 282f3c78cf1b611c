import { MetdbError } from '../errors/metdb-error.js';

/** The facts of one TIFF image file directory (page) that decoding needs. */
export interface TiffPage {
  readonly width: number;
  readonly height: number;
  readonly samplesPerPixel: number;
  readonly bitsPerSample: number;
  /** 1 unsigned integer, 2 signed integer, 3 IEEE float (TIFF tag 339). */
  readonly sampleFormat: number;
  readonly compression: number;
  readonly photometric: number;
  readonly planarConfig: number;
  /** NewSubfileType (tag 254); bit 0 marks a reduced-resolution page (thumbnail, pyramid level). */
  readonly subfileType: number;
  /** Strip or tile data extents, in bytes from the start of the file. */
  readonly segmentOffsets: readonly number[];
  readonly segmentByteCounts: readonly number[];
  /** Number of strips or tiles the page must have. */
  readonly expectedSegments: number;
  /** True when the pixels are stored in tiles, false for strips. */
  readonly tiled: boolean;
  /** Rows per strip (strips only; the last strip may hold fewer). */
  readonly rowsPerStrip: number;
  /** Offset of the Photometric entry's value (to patch palette pages), or -1. */
  readonly photometricValueOffset: number;
  /** Offset and count of the SampleFormat values (SHORT), to patch signed pages; -1 if absent. */
  readonly sampleFormatValueOffset: number;
  readonly sampleFormatCount: number;
  /** XResolution and YResolution (tags 282, 283): pixels per ResolutionUnit; undefined if absent. */
  readonly xResolution?: number;
  readonly yResolution?: number;
  /** ResolutionUnit (tag 296): 1 none, 2 inch, 3 centimetre (the TIFF default is 2). */
  readonly resolutionUnit: number;
}

export interface TiffStructure {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly pages: readonly TiffPage[];
  /** ImageDescription (tag 270) of the first page: ImageJ or OME-XML metadata, if any. */
  readonly description: string | undefined;
  /** ImageJ's binary metadata of the first page (IJMetadataByteCounts 50838, IJMetadata 50839). */
  readonly imagejMetadata?: { readonly counts: readonly number[]; readonly bytes: Uint8Array };
}

const TYPE_SIZES: Readonly<Record<number, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

function corrupt(message: string, details: Record<string, unknown> = {}): MetdbError {
  return new MetdbError('corrupt-image', `corrupt TIFF: ${message}`, {
    details: { format: 'tiff', ...details },
  });
}

/**
 * Walks the chain of image file directories of a classic or BigTIFF file (header only, no pixel
 * data), so that sizes can be checked before decoding and truncation detected (libvips fills
 * missing strips with zeros instead of failing). Throws `corrupt-image` on a broken structure.
 */
export function readTiffStructure(bytes: Uint8Array): TiffStructure {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.byteLength;
  if (size < 8) throw corrupt(`file too short for a TIFF header (${size} bytes)`);
  const little = bytes[0] === 0x49;
  const bigTiff = view.getUint16(2, little) === 43;
  if (bigTiff && size < 16) throw corrupt(`file too short for a BigTIFF header (${size} bytes)`);
  const u16 = (o: number): number => view.getUint16(o, little);
  const u32 = (o: number): number => view.getUint32(o, little);
  const u64 = (o: number): number => Number(view.getBigUint64(o, little));
  const offsetAt = bigTiff ? u64 : u32;
  const entrySize = bigTiff ? 20 : 12;
  const inlineSize = bigTiff ? 8 : 4;

  /** Where a field's values are: inline in the entry or at an offset; checked against the file size. */
  const valueLocation = (entry: number, type: number, count: number): number => {
    const typeSize = TYPE_SIZES[type];
    if (typeSize === undefined) throw corrupt(`unknown field type ${type}`, { offset: entry });
    const total = typeSize * count;
    const at = total <= inlineSize ? entry + (bigTiff ? 12 : 8) : offsetAt(entry + (bigTiff ? 12 : 8));
    if (at + total > size)
      throw corrupt(`field data at ${at} runs past the end of the file (${size} bytes)`, {
        offset: at,
        bytes: size,
      });
    return at;
  };
  const readValues = (entry: number, type: number, count: number): number[] => {
    const typeSize = TYPE_SIZES[type] ?? 1;
    const at = valueLocation(entry, type, count);
    const values = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const o = at + i * typeSize;
      values[i] =
        type === 3
          ? u16(o)
          : type === 4 || type === 13
            ? u32(o)
            : type === 16 || type === 18
              ? u64(o)
              : type === 5
                ? u32(o) / u32(o + 4)
                : (bytes[o] ?? 0);
    }
    return values;
  };

  const pages: TiffPage[] = [];
  let description: string | undefined;
  let ijCounts: number[] | undefined;
  let ijBytes: Uint8Array | undefined;
  const visited = new Set<number>();
  let ifd = offsetAt(bigTiff ? 8 : 4);
  while (ifd !== 0) {
    if (visited.has(ifd))
      throw corrupt(`image file directories form a loop at offset ${ifd}`, { offset: ifd });
    visited.add(ifd);
    const countSize = bigTiff ? 8 : 2;
    if (ifd + countSize > size)
      throw corrupt(`image file directory at ${ifd} is past the end of the file (${size} bytes)`, {
        offset: ifd,
        bytes: size,
      });
    const n = bigTiff ? u64(ifd) : u16(ifd);
    const end = ifd + countSize + n * entrySize;
    if (end + inlineSize > size)
      throw corrupt(`image file directory at ${ifd} runs past the end of the file (${size} bytes)`, {
        offset: ifd,
        bytes: size,
      });
    const tags = new Map<number, number[]>();
    let photometricValueOffset = -1;
    let sampleFormat = { offset: -1, count: 0 };
    for (let i = 0; i < n; i++) {
      const entry = ifd + countSize + i * entrySize;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const count = bigTiff ? u64(entry + 4) : u32(entry + 4);
      if (tag === 262 && type === 3) photometricValueOffset = entry + (bigTiff ? 12 : 8);
      if (tag === 339 && type === 3) sampleFormat = { offset: valueLocation(entry, type, count), count };
      if (pages.length === 0 && tag === 50838 && type === 4) ijCounts = readValues(entry, type, count);
      if (pages.length === 0 && tag === 50839 && (type === 1 || type === 7)) {
        const at = valueLocation(entry, type, count);
        ijBytes = bytes.subarray(at, at + count);
      }
      if (tag === 270 && pages.length === 0 && type === 2) {
        const at = valueLocation(entry, type, count);
        description = new TextDecoder('utf-8').decode(bytes.subarray(at, at + count)).replace(/\0+$/, '');
      } else if (
        [
          254, 256, 257, 258, 259, 262, 273, 277, 278, 279, 282, 283, 284, 296, 322, 323, 324, 325, 339,
        ].includes(tag)
      ) {
        tags.set(tag, readValues(entry, type, count));
      }
    }
    pages.push({
      ...pageFromTags(tags, ifd),
      photometricValueOffset,
      sampleFormatValueOffset: sampleFormat.offset,
      sampleFormatCount: sampleFormat.count,
    });
    ifd = offsetAt(end);
  }
  if (pages.length === 0) throw corrupt('no image file directory');
  const imagejMetadata =
    ijCounts !== undefined && ijBytes !== undefined ? { counts: ijCounts, bytes: ijBytes } : undefined;
  return {
    littleEndian: little,
    bigTiff,
    pages,
    description,
    ...(imagejMetadata === undefined ? {} : { imagejMetadata }),
  };
}

function pageFromTags(
  tags: Map<number, number[]>,
  ifd: number,
): Omit<TiffPage, 'photometricValueOffset' | 'sampleFormatValueOffset' | 'sampleFormatCount'> {
  const first = (tag: number, fallback?: number): number => {
    const v = tags.get(tag)?.[0] ?? fallback;
    if (v === undefined)
      throw corrupt(`image file directory at ${ifd} lacks required tag ${tag}`, { offset: ifd, tag });
    return v;
  };
  const width = first(256);
  const height = first(257);
  const samplesPerPixel = first(277, 1);
  const planarConfig = first(284, 1);
  const tiled = tags.has(322);
  let expectedSegments: number;
  let rowsPerStrip = 0;
  if (tiled) {
    const tw = first(322);
    const th = first(323);
    expectedSegments = tw > 0 && th > 0 ? Math.ceil(width / tw) * Math.ceil(height / th) : Infinity;
  } else {
    const rows = Math.min(first(278, height), height);
    rowsPerStrip = rows;
    expectedSegments = rows > 0 ? Math.ceil(height / rows) : Infinity;
  }
  if (planarConfig === 2) expectedSegments *= samplesPerPixel;
  const positive = (tag: number): number | undefined => {
    const v = tags.get(tag)?.[0];
    return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const [xResolution, yResolution] = [positive(282), positive(283)];
  return {
    ...(xResolution === undefined ? {} : { xResolution }),
    ...(yResolution === undefined ? {} : { yResolution }),
    resolutionUnit: first(296, 2),
    width,
    height,
    samplesPerPixel,
    bitsPerSample: first(258, 1),
    sampleFormat: first(339, 1),
    compression: first(259, 1),
    photometric: first(262, 1),
    planarConfig,
    subfileType: first(254, 0),
    segmentOffsets: tags.get(tiled ? 324 : 273) ?? [],
    segmentByteCounts: tags.get(tiled ? 325 : 279) ?? [],
    expectedSegments,
    tiled,
    rowsPerStrip,
  };
}

/** Throws `corrupt-image` if a page's strips or tiles are missing or lie beyond the end of the file. */
export function checkTiffSegments(
  structure: TiffStructure,
  pageIndexes: readonly number[],
  fileSize: number,
): void {
  for (const p of pageIndexes) {
    const page = structure.pages[p];
    if (page === undefined) continue;
    const { segmentOffsets: offsets, segmentByteCounts: counts, expectedSegments } = page;
    if (offsets.length < expectedSegments || counts.length < expectedSegments) {
      throw corrupt(
        `page ${p} lists ${Math.min(offsets.length, counts.length)} data strips/tiles, needs ${expectedSegments}`,
        { page: p },
      );
    }
    for (let i = 0; i < expectedSegments; i++) {
      const end = (offsets[i] ?? 0) + (counts[i] ?? 0);
      if (end > fileSize) {
        throw corrupt(
          `page ${p} pixel data ends at byte ${end}, past the end of the file (${fileSize} bytes): truncated?`,
          {
            page: p,
            bytes: fileSize,
            needs: end,
          },
        );
      }
    }
  }
}
