/**
 * Uncompressed one-sample TIFFs in strips are copied straight from the file instead of going
 * through sharp: the arrays must be those sharp gives, on every TIFF fixture (the direct path
 * where it applies, sharp elsewhere) and on hand-written big-endian files of several strips and
 * pages. Also: every decoding path can put its pixels in shared memory (`sharedMemory`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { decodeRaster, decodeRasterWithSharp } from '../../shared/imaging/decode-raster.js';
import { planImage } from '../../shared/imaging/image-plan.js';
import { uncompressedTiffPlanes } from '../../shared/imaging/uncompressed-tiff.js';
import { readTiffStructure } from '../../shared/imaging/tiff-structure.js';

function tiffFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tiffFiles(join(dir, e.name)) : /\.tiff?$/i.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Both decodings of `bytes` (and whether the direct path served it). */
async function bothWays(bytes: Uint8Array, channel?: number) {
  const plan = await planImage(bytes, channel === undefined ? {} : { channel });
  if (plan.kind !== 'raster') throw new Error('not a raster');
  const direct =
    plan.tiff !== undefined && plan.sample === 0 && plan.samples === 1
      ? uncompressedTiffPlanes(plan.input, plan.tiff, plan.pages ?? [0], plan.info.pixelType)
      : undefined;
  return {
    fast: await decodeRaster(plan),
    sharp: await decodeRasterWithSharp(plan),
    direct: direct !== undefined,
  };
}

/**
 * A big-endian ("MM") TIFF: `pages` pages of `height` x `width` samples of one type, uncompressed,
 * min-is-black, `rowsPerStrip` rows per strip (the last strip shorter).
 */
function bigEndianTiff(
  kind: 'uint8' | 'uint16' | 'float32',
  width: number,
  height: number,
  pages: number,
  rowsPerStrip: number,
  value: (page: number, i: number) => number,
): Uint8Array {
  const size = { uint8: 1, uint16: 2, float32: 4 }[kind];
  const strips = Math.ceil(height / rowsPerStrip);
  const entries = 10;
  const ifdBytes = 2 + entries * 12 + 4 + 8 * strips; // the directory, then strip offsets and counts
  const planeBytes = width * height * size;
  const total = 8 + pages * (ifdBytes + planeBytes);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x4d, 0, 42]);
  view.setUint32(4, 8);
  let at = 8;
  for (let p = 0; p < pages; p++) {
    const ifd = at;
    const arrays = ifd + 2 + entries * 12 + 4;
    const pixels = arrays + 8 * strips;
    const tags: [number, number, number, number][] = [
      // tag, type (3 SHORT, 4 LONG), count, value (or offset)
      [256, 4, 1, width],
      [257, 4, 1, height],
      [258, 3, 1, size * 8],
      [259, 3, 1, 1],
      [262, 3, 1, 1],
      [273, 4, strips, strips === 1 ? pixels : arrays],
      [277, 3, 1, 1],
      [278, 4, 1, rowsPerStrip],
      [279, 4, strips, strips === 1 ? planeBytes : arrays + 4 * strips],
      [339, 3, 1, kind === 'float32' ? 3 : 1],
    ];
    view.setUint16(ifd, entries);
    tags.forEach(([tag, type, count, v], k) => {
      const e = ifd + 2 + 12 * k;
      view.setUint16(e, tag);
      view.setUint16(e + 2, type);
      view.setUint32(e + 4, count);
      if (type === 3 && count === 1) view.setUint16(e + 8, v);
      else view.setUint32(e + 8, v);
    });
    const next = pixels + planeBytes;
    view.setUint32(ifd + 2 + entries * 12, p === pages - 1 ? 0 : next);
    for (let s = 0; s < strips; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      view.setUint32(arrays + 4 * s, pixels + s * rowsPerStrip * width * size);
      view.setUint32(arrays + 4 * strips + 4 * s, rows * width * size);
    }
    for (let i = 0; i < width * height; i++) {
      const o = pixels + i * size;
      if (kind === 'uint8') view.setUint8(o, value(p, i));
      else if (kind === 'uint16') view.setUint16(o, value(p, i));
      else view.setFloat32(o, value(p, i));
    }
    at = next;
  }
  return bytes;
}

describe('uncompressed TIFFs read without sharp', () => {
  it('give the arrays sharp gives, on every TIFF fixture', async () => {
    const files = [...tiffFiles('test/fixtures'), ...tiffFiles('samples')];
    let direct = 0;
    const decodings = files.flatMap((file) => [0, 1].map((channel) => ({ file, channel })));
    for (const { file, channel } of decodings) {
      const bytes = new Uint8Array(readFileSync(file));
      let pair;
      try {
        pair = await bothWays(bytes, channel === 0 ? undefined : channel);
      } catch {
        continue; // no channel 1, or a file the decoder rejects: nothing to compare
      }
      expect(pair.fast.shape, file).toEqual(pair.sharp.shape);
      expect(pair.fast.data.constructor, file).toBe(pair.sharp.data.constructor);
      expect(
        Buffer.from(pair.fast.data.buffer, pair.fast.data.byteOffset, pair.fast.data.byteLength).equals(
          Buffer.from(pair.sharp.data.buffer, pair.sharp.data.byteOffset, pair.sharp.data.byteLength),
        ),
        file,
      ).toBe(true);
      if (pair.direct) direct++;
    }
    // The series frames, the samples and the ImageJ and OME stacks (each channel) are plain
    // uncompressed files; the golden sources (deflate), palettes, signed, RGB and LZW files are not.
    expect(direct).toBeGreaterThanOrEqual(25);
    expect(files.length - direct).toBeGreaterThanOrEqual(10);
  });

  it('swap the bytes of big-endian files of several strips and pages', async () => {
    const cases = [
      bigEndianTiff('uint16', 37, 10, 3, 3, (p, i) => (p * 9973 + i * 131) % 65536),
      bigEndianTiff('float32', 21, 7, 2, 2, (p, i) => (p - 0.5) * 1000 + i / 7),
      bigEndianTiff('uint8', 19, 5, 1, 5, (_, i) => (i * 7) % 256),
    ];
    for (const bytes of cases) {
      const { fast, sharp, direct } = await bothWays(bytes);
      expect(direct).toBe(true);
      expect(fast.shape).toEqual(sharp.shape);
      expect(Array.from(fast.data)).toEqual(Array.from(sharp.data));
    }
    const structure = readTiffStructure(cases[0]!);
    expect(structure.littleEndian).toBe(false);
    expect(structure.pages[0]!.expectedSegments).toBe(4);
  });

  it('leave a strip shorter than its rows to sharp', () => {
    const bytes = bigEndianTiff('uint16', 8, 4, 1, 4, (_, i) => i);
    const structure = readTiffStructure(bytes);
    const page = structure.pages[0]!;
    const short = { ...structure, pages: [{ ...page, segmentByteCounts: [page.segmentByteCounts[0]! - 2] }] };
    expect(uncompressedTiffPlanes(bytes, short, [0], 'uint16')).toBeUndefined();
    expect(uncompressedTiffPlanes(bytes, structure, [0], 'uint16')).toBeInstanceOf(Uint16Array);
    expect(uncompressedTiffPlanes(bytes, structure, [0], 'uint8')).toBeUndefined();
  });
});

describe('decoding into shared memory', () => {
  it('gives the same pixels in a SharedArrayBuffer, by every decoding path', async () => {
    for (const name of [
      'cell_u16.tif',
      'aics_crop_lzw.ome.tif',
      'em_float32_zyx.tif',
      'int16_be.mrc',
      'cell.png',
    ]) {
      const bytes = new Uint8Array(readFileSync(join('test/fixtures/images', name)));
      const plain = await decodeImage(bytes);
      const shared = await decodeImage(bytes, { sharedMemory: true });
      expect(shared.array.data.buffer, name).toBeInstanceOf(SharedArrayBuffer);
      expect(plain.array.data.buffer, name).not.toBeInstanceOf(SharedArrayBuffer);
      expect(shared.array.shape, name).toEqual(plain.array.shape);
      expect(Array.from(shared.array.data), name).toEqual(Array.from(plain.array.data));
    }
  });

  it('rejects a sharedMemory that is not a boolean', async () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/images/cell_u16.tif'));
    await expect(decodeImage(bytes, { sharedMemory: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});
