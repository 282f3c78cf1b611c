import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import type { ImageChannels } from '../../shared/imaging/image-channels.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { noMeasurements, type ImageResult } from '../../shared/outputs/image-result.js';
import { applyMatrix, similarityMatrix } from '../../shared/registration/similarity/transform-matrix.js';
import { pickThumbnailImages, reportThumbnails } from '../../shared/report/report-thumbnails.js';
import { thumbnailMatrix, thumbnailPlane } from '../../shared/report/thumbnail-plane.js';
import { SERIES } from '../local/demo-series-copy.js';
import { shiftedPair, stdOf } from '../tiling/pixels.js';

/** Pixels of a PNG data URI, one channel or three. */
async function pixelsOf(
  uri: string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const m = /^data:image\/png;base64,(.+)$/.exec(uri);
  if (m === null) throw new Error(`not a PNG data URI: ${uri.slice(0, 40)}`);
  const png = Buffer.from(m[1]!, 'base64');
  // The PNG's own channels (sharp's raw output would expand grey to RGB).
  const { channels = 0 } = await sharp(png).metadata();
  const decoded = channels === 1 ? sharp(png).extractChannel(0) : sharp(png);
  const { data, info } = await decoded.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels };
}

/** Pearson correlation of two equally long byte planes, over the pixels where both have data (> 0). */
function ncc(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x === 0 || y === 0) continue;
    n++;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

function result(
  imageId: string,
  file: string,
  role: ImageResult['role'],
  shift: number[] | null,
  shape: number[],
): ImageResult {
  return {
    imageId,
    file,
    role,
    failureReason: null,
    quality: role === 'registered' ? 'good' : null,
    qualityReasons: [],
    jobId: null,
    shape,
    pixelType: 'float32',
    pixelSize: null,
    shift,
    ...noMeasurements(),
  };
}

const channels = (image: NdArray): ImageChannels => ({
  channels: [{ data: Float32Array.from(image.data), shape: image.shape }],
  names: null,
  pixelSize: null,
  metadataFormat: 'ome',
});

describe('report thumbnails', () => {
  it('move a real image by its shift: after registration it overlays the reference, before it does not', async () => {
    const canvas = (await decodeImage(readFileSync(join(SERIES, 'frame_00.tif')))).array;
    const truth = [18.4, -27.6];
    const { reference, moving } = shiftedPair(canvas, truth, [300, 560], 0.05 * stdOf(canvas), 7);
    const results = [
      result('ref', 'a.tif', 'reference', [0, 0], [300, 560]),
      result('mov', 'b.tif', 'registered', truth, [300, 560]),
    ];
    const images = new Map([
      ['ref', channels(reference)],
      ['mov', channels(moving)],
    ]);
    const thumbs = await reportThumbnails(results, (r) => Promise.resolve(images.get(r.imageId)), {
      maxSize: 128,
    });
    expect(thumbs.map((t) => t.imageId)).toEqual(['ref', 'mov']);
    const [ref, mov] = thumbs as [(typeof thumbs)[0], (typeof thumbs)[0]];
    expect([ref.width, ref.height]).toEqual([112, 60]); // 560 x 300 in blocks of 5
    expect(ref.after).toBeNull();
    const refPx = await pixelsOf(ref.before);
    const before = await pixelsOf(mov.before);
    const after = await pixelsOf(mov.after!);
    for (const p of [refPx, before, after]) expect([p.width, p.height, p.channels]).toEqual([112, 60, 1]);
    const nccBefore = ncc(refPx.data, before.data);
    const nccAfter = ncc(refPx.data, after.data);
    expect(nccAfter).toBeGreaterThan(0.9);
    expect(nccAfter - nccBefore).toBeGreaterThan(0.3);
    // Content moves left (x shift -27.6 px, 5.5 thumbnail px): no data (black) in the last columns.
    const column = (p: { data: Uint8Array }, x: number) =>
      Array.from({ length: 60 }, (_, y) => p.data[y * 112 + x]!);
    for (const x of [108, 109, 110, 111]) {
      expect(column(after, x).every((v) => v === 0)).toBe(true);
      expect(column(before, x).some((v) => v > 0)).toBe(true);
    }
    // The composite: reference in red and blue, the image in green.
    const overlay = await pixelsOf(mov.overlayAfter!);
    expect(overlay.channels).toBe(3);
    for (let k = 0; k < 112 * 60; k += 97) {
      expect(overlay.data[3 * k]).toBe(refPx.data[k]);
      expect(overlay.data[3 * k + 2]).toBe(refPx.data[k]);
      expect(overlay.data[3 * k + 1]).toBe(after.data[k]);
    }
  });

  it('keep each thumbnail within maxSize and the report within a bound for a large image', async () => {
    const big = {
      data: new Float32Array(1500 * 2100).map((_, k) => (k % 2100) ^ Math.floor(k / 2100)),
      shape: [1500, 2100],
    };
    const results = [result('ref', 'big.tif', 'reference', [0, 0], [1500, 2100])];
    const [thumb] = await reportThumbnails(results, () => Promise.resolve(channels(big)), { maxSize: 96 });
    const px = await pixelsOf(thumb!.before);
    expect(Math.max(px.width, px.height)).toBeLessThanOrEqual(96);
    expect(px.width).toBe(Math.ceil(2100 / 22));
    expect(thumb!.before.length).toBeLessThan(40_000);
  });

  it('pick the reference, every failed and low image, then an even spread, in series order', () => {
    const results = Array.from({ length: 100 }, (_, i) => {
      const r = result(`id${i}`, `f${i}.tif`, i === 0 ? 'reference' : 'registered', [0, 0], [8, 8]);
      return i === 40 || i === 77 ? { ...r, quality: 'low' as const } : r;
    });
    const picked = pickThumbnailImages(results, 10);
    const indices = picked.map((r) => results.indexOf(r));
    expect(indices).toHaveLength(10);
    expect(indices).toContain(0);
    expect(indices).toContain(40);
    expect(indices).toContain(77);
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    expect(Math.max(...indices)).toBeGreaterThan(80); // spread to the end of the series
    expect(pickThumbnailImages(results.slice(0, 5), 10)).toHaveLength(5);
  });

  it('maps a transform onto thumbnail pixels as block centres see it', () => {
    const m = similarityMatrix(7, 1.1, [3, -5], [30, 20]);
    for (const factor of [1, 4, 5]) {
      const t = thumbnailMatrix(m, factor);
      for (const [u, v] of [
        [0, 0],
        [10, 3],
        [-4, 9],
      ] as const) {
        const c = (factor - 1) / 2;
        const [x, y] = applyMatrix(m, factor * u + c, factor * v + c);
        const [tu, tv] = applyMatrix(t, u, v);
        expect(tu).toBeCloseTo((x - c) / factor, 9);
        expect(tv).toBeCloseTo((y - c) / factor, 9);
      }
    }
    // Block means: a 3 x 5 image in blocks of 2 keeps the partial blocks at the edges.
    const plane = thumbnailPlane(
      { data: Float32Array.from({ length: 15 }, (_, k) => k), shape: [3, 5] },
      { factor: 2 },
    );
    expect(plane.plane.shape).toEqual([2, 3]);
    expect(Array.from(plane.plane.data)).toEqual([3, 5, 6.5, 10.5, 12.5, 14]);
  });
});
