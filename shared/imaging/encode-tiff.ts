import { MetdbError } from '../errors/metdb-error.js';
import { isPlaneOrVolume, pixelTypeOf } from '../ndarray/ndarray.js';
import type { NdArray } from '../ndarray/ndarray.js';

/** Options of `encodeTiff`. */
export interface EncodeTiffOptions {
  /**
   * ImageDescription of the first page. By default an ImageJ header (`ImageJ=1.11a`, `images=`,
   * `slices=`) so that Fiji/ImageJ and tifffile open a 3D array as one z-stack.
   * @default ImageJ header
   */
  readonly description?: string;
  /**
   * Target size of one strip, in bytes (rows per strip = max(1, floor(stripBytes / row bytes))).
   * @default 65536
   */
  readonly stripBytes?: number;
  /**
   * XResolution and YResolution (pixels per `unit`) and ResolutionUnit (1 none, as ImageJ writes
   * with `unit=` in its description; 3 centimetre). @default { x: 1, y: 1, unit: 1 }
   */
  readonly resolution?: { readonly x: number; readonly y: number; readonly unit: 1 | 2 | 3 };
  /** ImageJ's binary metadata (IJMetadataByteCounts, IJMetadata) on the first page, e.g. slice labels. */
  readonly imagejMetadata?: { readonly counts: readonly number[]; readonly bytes: Uint8Array };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const ASCII = 2;
const BYTE = 1;

/**
 * Writes an array as a baseline, uncompressed, little-endian TIFF: shape [y, x] as one page,
 * [z, y, x] as z pages of y x x, with the array's pixel type (uint8, uint16: SampleFormat 1;
 * float32: SampleFormat 3), one sample per pixel (min-is-black), strips of about 64 kB.
 * The result reads back exactly through `decodeImage`, libtiff and tifffile.
 *
 * @throws MetdbError `invalid-argument` for another rank or pixel type (float64: convert to
 *   float32 first), `image-too-large` beyond the 4 GiB of a classic TIFF.
 */
export function encodeTiff(array: NdArray, options: EncodeTiffOptions = {}): Uint8Array {
  const { shape, data } = array;
  const pixelType = pixelTypeOf(data);
  if (pixelType === 'float64') {
    throw new MetdbError(
      'invalid-argument',
      'encodeTiff writes uint8, uint16 and float32; convert float64 to float32 first',
      {
        details: { pixelType },
      },
    );
  }
  if (!isPlaneOrVolume(array)) {
    throw new MetdbError(
      'invalid-argument',
      `encodeTiff needs a [y, x] or [z, y, x] array with data to match, got shape [${shape.join(', ')}]`,
      {
        details: { shape: [...shape], length: data.length },
      },
    );
  }
  if (!LITTLE_ENDIAN_HOST) throw new MetdbError('invalid-argument', 'encodeTiff needs a little-endian host');
  const [pages, height, width] = (shape.length === 3 ? shape : [1, ...shape]) as [number, number, number];
  const bytesPerSample = data.BYTES_PER_ELEMENT;
  const rowBytes = width * bytesPerSample;
  const rowsPerStrip = Math.min(height, Math.max(1, Math.floor((options.stripBytes ?? 65536) / rowBytes)));
  const strips = Math.ceil(height / rowsPerStrip);
  const pageBytes = rowBytes * height;
  const description = new TextEncoder().encode(
    `${options.description ?? `ImageJ=1.11a\nimages=${pages}\nslices=${pages}\n`}\0`,
  );

  const { resolution = { x: 1, y: 1, unit: 1 }, imagejMetadata } = options;
  const ij = imagejMetadata;

  // Layout per page: IFD, out-of-line values (strip arrays, resolutions, description), pixels.
  const even = (n: number): number => n + (n & 1);
  const pageLayout = (page: number): { ifdSize: number; extraSize: number; entries: number } => {
    const entries = page === 0 ? (ij === undefined ? 16 : 18) : 15;
    const stripArrays = strips > 1 ? 8 * strips : 0;
    const ijSize = page === 0 && ij !== undefined ? even(4 * ij.counts.length) + even(ij.bytes.length) : 0;
    const extraSize =
      stripArrays + 16 + ijSize + (page === 0 && description.length > 4 ? even(description.length) : 0);
    return { ifdSize: 2 + 12 * entries + 4, extraSize, entries };
  };
  let total = 8;
  const offsets: { ifd: number; extra: number; pixels: number }[] = [];
  for (let p = 0; p < pages; p++) {
    const { ifdSize, extraSize } = pageLayout(p);
    const ifd = total;
    const extra = ifd + ifdSize;
    const pixels = extra + extraSize + ((8 - ((extra + extraSize) % 8)) % 8);
    offsets.push({ ifd, extra, pixels });
    total = even(pixels + pageBytes);
  }
  if (total > 2 ** 32 - 1) {
    throw new MetdbError(
      'image-too-large',
      `a classic TIFF holds at most 4 GiB, this array needs ${total} bytes`,
      {
        details: { shape: [...shape], bytes: total },
      },
    );
  }

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  const pixelBytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let p = 0; p < pages; p++) {
    const { ifd, extra, pixels } = offsets[p] as { ifd: number; extra: number; pixels: number };
    const { entries } = pageLayout(p);
    let cursor = extra;
    const place = (bytes: number): number => {
      const at = cursor;
      cursor += even(bytes);
      return at;
    };
    const stripOffsetsAt = strips > 1 ? place(4 * strips) : -1;
    const stripCountsAt = strips > 1 ? place(4 * strips) : -1;
    for (let s = 0; s < strips; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      if (strips > 1) {
        view.setUint32(stripOffsetsAt + 4 * s, pixels + s * rowsPerStrip * rowBytes, true);
        view.setUint32(stripCountsAt + 4 * s, rows * rowBytes, true);
      }
    }
    const resolutionAt = place(16);
    for (const [at, value] of [
      [resolutionAt, resolution.x],
      [resolutionAt + 8, resolution.y],
    ] as const) {
      const [num, den] = rational(value);
      view.setUint32(at, num, true);
      view.setUint32(at + 4, den, true);
    }
    const ijCountsAt = p === 0 && ij !== undefined ? place(4 * ij.counts.length) : -1;
    const ijBytesAt = p === 0 && ij !== undefined ? place(ij.bytes.length) : -1;
    if (ij !== undefined && p === 0) {
      ij.counts.forEach((c, k) => view.setUint32(ijCountsAt + 4 * k, c, true));
      out.set(ij.bytes, ijBytesAt);
    }
    const descriptionAt = p === 0 && description.length > 4 ? place(description.length) : -1;
    if (descriptionAt >= 0) out.set(description, descriptionAt);

    view.setUint16(ifd, entries, true);
    let e = ifd + 2;
    const entry = (tag: number, type: number, count: number, value: number): void => {
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      view.setUint32(e + 4, count, true);
      if (type === SHORT && count === 1) view.setUint16(e + 8, value, true);
      else view.setUint32(e + 8, value, true);
      e += 12;
    };
    entry(254, LONG, 1, 0); // NewSubfileType: full-resolution page
    entry(256, LONG, 1, width);
    entry(257, LONG, 1, height);
    entry(258, SHORT, 1, 8 * bytesPerSample);
    entry(259, SHORT, 1, 1); // no compression
    entry(262, SHORT, 1, 1); // min-is-black
    if (p === 0) {
      if (descriptionAt >= 0) entry(270, ASCII, description.length, descriptionAt);
      else {
        entry(270, ASCII, description.length, 0);
        out.set(description, e - 4);
      }
    }
    entry(273, LONG, strips, strips > 1 ? stripOffsetsAt : pixels);
    entry(277, SHORT, 1, 1);
    entry(278, LONG, 1, rowsPerStrip);
    entry(279, LONG, strips, strips > 1 ? stripCountsAt : pageBytes);
    entry(282, RATIONAL, 1, resolutionAt);
    entry(283, RATIONAL, 1, resolutionAt + 8);
    entry(284, SHORT, 1, 1); // contiguous
    entry(296, SHORT, 1, resolution.unit);
    entry(339, SHORT, 1, pixelType === 'float32' ? 3 : 1);
    if (p === 0 && ij !== undefined) {
      // Values of 4 bytes or fewer sit in the entry itself.
      if (ij.counts.length === 1) entry(50838, LONG, 1, ij.counts[0]!);
      else entry(50838, LONG, ij.counts.length, ijCountsAt);
      if (ij.bytes.length <= 4) {
        entry(50839, BYTE, ij.bytes.length, 0);
        out.set(ij.bytes, e - 4);
      } else entry(50839, BYTE, ij.bytes.length, ijBytesAt);
    }
    view.setUint32(e, p + 1 < pages ? (offsets[p + 1]?.ifd ?? 0) : 0, true);
    out.set(pixelBytes.subarray(p * pageBytes, (p + 1) * pageBytes), pixels);
  }
  return out;
}

/** A positive number as a TIFF RATIONAL (two uint32), to about 1e-6 relative. */
function rational(value: number): [number, number] {
  if (!(Number.isFinite(value) && value > 0)) return [1, 1];
  const den = Math.max(1, Math.min(1_000_000, Math.floor(0xffffffff / Math.max(value, 1))));
  return [Math.min(0xffffffff, Math.max(1, Math.round(value * den))), den];
}
