import { deflateSync, gzipSync } from 'node:zlib';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { seededUniform } from '../../shared/random/seeded.js';

/** An upload the pipeline must survive: its object name and bytes. */
export interface BadInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * 34 hostile or odd uploads into `dataset` (which holds a good reference, `reference`): broken,
 * truncated and disguised files, decompression bombs claimed in a header, unusable names, and
 * valid images that cannot be registered (all NaN, one pixel, another shape, a stack). Each must
 * end as an image row, `failed` with a reason or `ingested` with its job final; none may crash
 * a function or be lost.
 */
export function badInputs(dataset: string, reference: Uint8Array): BadInput[] {
  const at = (file: string) => `${dataset}/${file}`;
  const text = (s: string) => new TextEncoder().encode(s);
  const uniform = seededUniform(11);
  const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(uniform() * 256));
  const tiffHeader = Uint8Array.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const float = (shape: number[], value: (i: number) => number) =>
    encodeTiff(
      ndarray(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i)),
        shape,
      ),
    );
  return [
    { name: at('empty.tif'), bytes: new Uint8Array(0) },
    { name: at('text.tif'), bytes: text('hello, not an image\n') },
    { name: at('truncated.tif'), bytes: reference.slice(0, Math.floor(reference.length / 2)) },
    { name: at('header-only.tif'), bytes: tiffHeader },
    { name: at('bomb-tiff.tif'), bytes: tiffClaiming(100_000, 100_000) },
    { name: at('bomb-png.png'), bytes: pngHeaderClaiming(30_000, 30_000) },
    { name: at('random.tif'), bytes: random(10_000) },
    { name: at('random.png'), bytes: Uint8Array.from([...png, ...random(5000)]) },
    { name: at('random.jpg'), bytes: Uint8Array.from([0xff, 0xd8, 0xff, ...random(5000)]) },
    { name: at('soi-only.jpg'), bytes: Uint8Array.from([0xff, 0xd8, 0xff]) },
    { name: at('signature-only.png'), bytes: png },
    { name: at('bad-header.mrc'), bytes: mrcClaiming() },
    { name: at('gzip.tif'), bytes: gzipSync(reference.slice(0, 4096)) },
    { name: at('document.tif'), bytes: text('%PDF-1.7\n%âãÏÓ\n1 0 obj << >> endobj\n') },
    { name: at('page.png'), bytes: text('<!doctype html><title>not a png</title>') },
    { name: at('settings.tif'), bytes: text('{"reference":"frame_00.tif"}') },
    { name: at('archive.tif'), bytes: Uint8Array.from([0x50, 0x4b, 3, 4, ...random(300)]) },
    { name: at('ifd-beyond-end.tif'), bytes: Uint8Array.from([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x0f]) },
    { name: at('zero-width.tif'), bytes: tiffClaiming(0, 64) },
    { name: at('bigtiff-truncated.tif'), bytes: Uint8Array.from([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16]) },
    { name: at('deflate-raw.png'), bytes: deflateSync(reference.slice(0, 2048)) },
    { name: at('all-nan.tif'), bytes: float([256, 256], () => Number.NaN) },
    { name: at('one-pixel.tif'), bytes: float([1, 1], () => 5) },
    { name: at('other-shape.tif'), bytes: float([80, 100], (i) => (i % 100) + Math.floor(i / 100)) },
    { name: at('stack.tif'), bytes: float([3, 64, 64], (i) => i % 97) },
    { name: at('constant.tif'), bytes: float([256, 256], () => 7) },
    { name: '../escape.tif', bytes: random(100) },
    { name: './dot.tif', bytes: random(101) },
    { name: at('../up.tif'), bytes: random(102) },
    { name: `${dataset}/${'ü'.repeat(600)}.tif`, bytes: random(103) },
    { name: at('#[weird]*?:name|.tif'), bytes: random(104) },
    { name: `toplevel-${dataset}.tif`, bytes: random(105) },
    { name: `a\u0001b-${dataset}/x.tif`, bytes: random(106) },
    { name: at('ünïcödé frame #1 (copy).tif'), bytes: float([256, 256], (i) => (i * 7919) % 1000) },
  ];
}

/** A minimal little-endian TIFF whose only IFD claims width x height 8-bit pixels in one strip at byte 8. */
export function tiffClaiming(width: number, height: number): Uint8Array {
  const entries: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 8],
    [277, 3, 1],
    [278, 4, height],
    [279, 4, Math.min(width * height, 2 ** 32 - 1)],
  ];
  const ifd = 16;
  const bytes = new Uint8Array(ifd + 2 + 12 * entries.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifd, true);
  view.setUint16(ifd, entries.length, true);
  entries.forEach(([tag, type, value], i) => {
    const e = ifd + 2 + 12 * i;
    view.setUint16(e, tag, true);
    view.setUint16(e + 2, type, true);
    view.setUint32(e + 4, 1, true);
    if (type === 3) view.setUint16(e + 8, value, true);
    else view.setUint32(e + 8, value, true);
  });
  return bytes;
}

/** A PNG signature and an IHDR claiming width x height 8-bit grey pixels (CRC not checked first). */
function pngHeaderClaiming(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(8 + 25);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 0, 0, 0, 0], 24);
  return bytes;
}

/** An MRC2014 header ('MAP ' at 208) claiming an absurd volume in mode 2. */
function mrcClaiming(): Uint8Array {
  const bytes = new Uint8Array(1024);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 50_000, true);
  view.setInt32(4, 50_000, true);
  view.setInt32(8, 50_000, true);
  view.setInt32(12, 2, true);
  bytes.set([0x4d, 0x41, 0x50, 0x20], 208);
  bytes.set([0x44, 0x44, 0, 0], 212);
  return bytes;
}
