import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeImage, inspectImage } from '../../shared/imaging/index.js';
import type { DecodeOptions } from '../../shared/imaging/index.js';
import { checksum } from './checksum.js';
import { errorOf } from './error-of.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/images/${name}`, import.meta.url));

/**
 * Reference values printed by `/usr/bin/python3 test/fixtures/images/make_fixtures.py` (tifffile,
 * Pillow and numpy decode the same files): shape, dtype, sum, weighted sum, first/middle/last pixel.
 */
const cases: {
  file: string;
  options?: DecodeOptions;
  shape: number[];
  type: string;
  sum: number;
  weighted: number;
  samples: [number, number, number];
  info: { format: string; channels: number; bitsPerSample: number };
}[] = [
  {
    file: 'cell.png',
    shape: [660, 550],
    type: 'Uint8Array',
    sum: 24669746,
    weighted: 3108272639,
    samples: [71, 72, 61],
    info: { format: 'png', channels: 1, bitsPerSample: 8 },
  },
  {
    file: 'cell_u16.tif',
    shape: [660, 550],
    type: 'Uint16Array',
    sum: 5985980630,
    weighted: 754203750092,
    samples: [17205, 17441, 14852],
    info: { format: 'tiff', channels: 1, bitsPerSample: 16 },
  },
  {
    file: 'blobs3d_skeleton.tif',
    shape: [30, 32, 32],
    type: 'Uint8Array',
    sum: 1020765,
    weighted: 129548925,
    samples: [0, 0, 0],
    info: { format: 'tiff', channels: 1, bitsPerSample: 8 },
  },
  {
    file: 'EMD-3197.map',
    shape: [20, 20, 20],
    type: 'Float32Array',
    sum: 6268.896269149147,
    weighted: 794515.1544372927,
    samples: [-1.8013091087341309, -0.6863722801208496, 1.3078573942184448],
    info: { format: 'mrc', channels: 1, bitsPerSample: 32 },
  },
  {
    file: 'bbbc022_crop_cyx.tif',
    shape: [128, 160],
    type: 'Uint16Array',
    sum: 4327102,
    weighted: 543047781,
    samples: [697, 165, 158],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'bbbc022_crop_cyx.tif',
    options: { channel: 1 },
    shape: [128, 160],
    type: 'Uint16Array',
    sum: 7081794,
    weighted: 889784887,
    samples: [589, 386, 224],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'bbbc022_crop_cyx.tif',
    options: { channel: 2 },
    shape: [128, 160],
    type: 'Uint16Array',
    sum: 6250761,
    weighted: 784156333,
    samples: [692, 326, 195],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'bbbc022_czyx.ome.tif',
    shape: [3, 40, 48],
    type: 'Uint16Array',
    sum: 1768003,
    weighted: 219112000,
    samples: [697, 167, 226],
    info: { format: 'tiff', channels: 2, bitsPerSample: 16 },
  },
  {
    file: 'bbbc022_czyx.ome.tif',
    options: { channel: 1 },
    shape: [3, 40, 48],
    type: 'Uint16Array',
    sum: 2702638,
    weighted: 340185698,
    samples: [589, 299, 1634],
    info: { format: 'tiff', channels: 2, bitsPerSample: 16 },
  },
  {
    file: 'aics_crop_lzw.ome.tif',
    shape: [160, 240],
    type: 'Uint16Array',
    sum: 138746405,
    weighted: 17478986968,
    samples: [3588, 3522, 3560],
    info: { format: 'tiff', channels: 1, bitsPerSample: 16 },
  },
  {
    file: 'em_float32_zyx.tif',
    shape: [8, 48, 40],
    type: 'Float32Array',
    sum: 10586.849023386836,
    weighted: 1315061.128000766,
    samples: [-1.4383561611175537, 3.767123222351074, 4.041095733642578],
    info: { format: 'tiff', channels: 1, bitsPerSample: 32 },
  },
  {
    file: 'beads_palette_zyx.tif',
    shape: [6, 40, 40],
    type: 'Uint8Array',
    sum: 56240,
    weighted: 7072213,
    samples: [1, 1, 1],
    info: { format: 'tiff', channels: 1, bitsPerSample: 8 },
  },
  {
    file: 'ihc_rgb_crop.png',
    options: { channel: 1 },
    shape: [96, 128],
    type: 'Uint8Array',
    sum: 2053334,
    weighted: 259708321,
    samples: [118, 160, 212],
    info: { format: 'png', channels: 3, bitsPerSample: 8 },
  },
  {
    file: 'ihc_rgb_crop.png',
    shape: [96, 128],
    type: 'Float32Array',
    sum: 2071976.5212999997,
    weighted: 262026966.4487,
    samples: [122.3524, 160.6565, 212.5768],
    info: { format: 'png', channels: 3, bitsPerSample: 8 },
  },
  {
    file: 'int16_be.mrc',
    shape: [3, 4, 5],
    type: 'Float32Array',
    sum: -35310,
    weighted: 16864060,
    samples: [-30000, -90, 28823],
    info: { format: 'mrc', channels: 1, bitsPerSample: 16 },
  },
  {
    file: 'float16_le.mrc',
    shape: [3, 4, 5],
    type: 'Float32Array',
    sum: -3.75,
    weighted: 2135,
    samples: [-3.75, 0, 3.625],
    info: { format: 'mrc', channels: 1, bitsPerSample: 16 },
  },
  // Other sample types (make_fixtures.py, sample_types/): 32-bit integers as float32, signed as float32.
  {
    file: 'bbbc022_zcyx_imagej.tif',
    shape: [3, 40, 48],
    type: 'Uint16Array',
    sum: 1768003.0,
    weighted: 219112000.0,
    samples: [697.0, 167.0, 226.0],
    info: { format: 'tiff', channels: 2, bitsPerSample: 16 },
  },
  {
    file: 'bbbc022_zcyx_imagej.tif',
    options: { channel: 1 },
    shape: [3, 40, 48],
    type: 'Uint16Array',
    sum: 2702638.0,
    weighted: 340185698.0,
    samples: [589.0, 299.0, 1634.0],
    info: { format: 'tiff', channels: 2, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/int8.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: -151.0,
    weighted: -8449.0,
    samples: [-7.0, 64.0, 64.0],
    info: { format: 'tiff', channels: 1, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/int16.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: 42962.0,
    weighted: 2123098.0,
    samples: [-28704.0, -25175.0, 23110.0],
    info: { format: 'tiff', channels: 1, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/int32.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: 8032271108.0,
    weighted: 203034747824.0,
    samples: [-1224736000.0, -1324498048.0, 625866496.0],
    info: { format: 'tiff', channels: 1, bitsPerSample: 32 },
  },
  {
    file: 'sample_types/uint32.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: 105986951312.0,
    weighted: 2250741622960.0,
    samples: [1088166272.0, 1815555328.0, 909136128.0],
    info: { format: 'tiff', channels: 1, bitsPerSample: 32 },
  },
  {
    file: 'sample_types/rgb16.tif',
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1308727.0,
    weighted: 28730896.0,
    samples: [9588.0, 25722.0, 17180.0],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/rgb16.tif',
    options: { channel: 1 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1688090.0,
    weighted: 37110040.0,
    samples: [7191.0, 61686.0, 15304.0],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/rgb16.tif',
    options: { channel: 2 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1420808.0,
    weighted: 30570174.0,
    samples: [2877.0, 15197.0, 55642.0],
    info: { format: 'tiff', channels: 3, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/rgba8.tif',
    options: { channel: 0 },
    shape: [6, 7],
    type: 'Uint8Array',
    sum: 6094.0,
    weighted: 133403.0,
    samples: [54.0, 160.0, 34.0],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/rgba8.tif',
    options: { channel: 1 },
    shape: [6, 7],
    type: 'Uint8Array',
    sum: 5199.0,
    weighted: 104004.0,
    samples: [155.0, 137.0, 99.0],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/rgba8.tif',
    options: { channel: 2 },
    shape: [6, 7],
    type: 'Uint8Array',
    sum: 4255.0,
    weighted: 89837.0,
    samples: [60.0, 84.0, 118.0],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/rgba8.tif',
    options: { channel: 3 },
    shape: [6, 7],
    type: 'Uint8Array',
    sum: 4326.0,
    weighted: 89003.0,
    samples: [206.0, 115.0, 86.0],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/rgba8.tif',
    options: { channel: 'luminance' },
    shape: [6, 7],
    type: 'Float32Array',
    sum: 5321.1251,
    weighted: 109229.84680000001,
    samples: [126.68799999999999, 138.06619999999998, 86.5574],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
  {
    file: 'sample_types/samples5_u16.tif',
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1328444.0,
    weighted: 28616565.0,
    samples: [30826.0, 3828.0, 28026.0],
    info: { format: 'tiff', channels: 5, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/samples5_u16.tif',
    options: { channel: 1 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1422786.0,
    weighted: 29140314.0,
    samples: [57307.0, 4529.0, 63830.0],
    info: { format: 'tiff', channels: 5, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/samples5_u16.tif',
    options: { channel: 2 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1147799.0,
    weighted: 23673116.0,
    samples: [30482.0, 41943.0, 8029.0],
    info: { format: 'tiff', channels: 5, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/samples5_u16.tif',
    options: { channel: 3 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1145350.0,
    weighted: 25867534.0,
    samples: [27443.0, 5877.0, 15210.0],
    info: { format: 'tiff', channels: 5, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/samples5_u16.tif',
    options: { channel: 4 },
    shape: [6, 7],
    type: 'Uint16Array',
    sum: 1642405.0,
    weighted: 32812860.0,
    samples: [41760.0, 3049.0, 63296.0],
    info: { format: 'tiff', channels: 5, bitsPerSample: 16 },
  },
  {
    file: 'sample_types/samples2_f32.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: -1057.4566301107407,
    weighted: 102413.55525183678,
    samples: [-536.352294921875, -1178.845947265625, -782.3985595703125],
    info: { format: 'tiff', channels: 2, bitsPerSample: 32 },
  },
  {
    file: 'sample_types/samples2_f32.tif',
    options: { channel: 1 },
    shape: [6, 7],
    type: 'Float32Array',
    sum: 6814.79903793335,
    weighted: 76227.7966003418,
    samples: [1333.3712158203125, 1052.341796875, -184.24200439453125],
    info: { format: 'tiff', channels: 2, bitsPerSample: 32 },
  },
  // 8-bit RGBA: luminance by default (16-bit RGB above: channel 0 by default).
  {
    file: 'sample_types/rgba8.tif',
    shape: [6, 7],
    type: 'Float32Array',
    sum: 5321.1251,
    weighted: 109229.84680000001,
    samples: [126.68799999999999, 138.06619999999998, 86.5574],
    info: { format: 'tiff', channels: 4, bitsPerSample: 8 },
  },
];

describe('decodeImage on real files, against tifffile / Pillow / numpy', () => {
  for (const c of cases) {
    it(`${c.file} ${JSON.stringify(c.options ?? {})}`, async () => {
      const bytes = await readFile(fixture(c.file));
      const { array, info } = await decodeImage(bytes, c.options);
      expect(array.shape).toEqual(c.shape);
      expect(array.data.constructor.name).toBe(c.type);
      const got = checksum(array.data);
      const float = c.type === 'Float32Array';
      // float32 luminance / float sums: compare with a relative tolerance; integers exactly.
      const tol = (v: number): number => (float ? Math.max(1e-6, Math.abs(v) * 1e-6) : 0);
      expect(Math.abs(got.sum - c.sum)).toBeLessThanOrEqual(tol(c.sum));
      expect(Math.abs(got.weighted - c.weighted)).toBeLessThanOrEqual(tol(c.weighted));
      [got.first, got.mid, got.last].forEach((v, i) =>
        expect(v).toBeCloseTo(c.samples[i] ?? NaN, float ? 4 : 10),
      );
      expect(info).toMatchObject({
        ...c.info,
        width: c.shape.at(-1),
        height: c.shape.at(-2),
        depth: c.shape.length === 3 ? c.shape[0] : 1,
      });
      expect(await inspectImage(bytes, c.options)).toEqual(info);
    });
  }

  it('a JPEG decodes within one grey level of libjpeg as used by Pillow', async () => {
    // camera_crop.jpg: Pillow gives sum 1824319 over 128 x 128 pixels (see make_fixtures.py).
    const { array, info } = await decodeImage(await readFile(fixture('camera_crop.jpg')));
    expect(array.shape).toEqual([128, 128]);
    expect(array.data).toBeInstanceOf(Uint8Array);
    expect(info).toMatchObject({ format: 'jpeg', channels: 1, pixelType: 'uint8', bitsPerSample: 8 });
    expect(Math.abs(checksum(array.data).sum - 1824319) / (128 * 128)).toBeLessThan(1);
  });

  it('reads the ImageJ hyperstack pages as channels and rejects a channel that does not exist', async () => {
    const bytes = await readFile(fixture('bbbc022_crop_cyx.tif'));
    const error = await errorOf(decodeImage(bytes, { channel: 3 }));
    expect(error.code).toBe('invalid-argument');
    expect(error.message).toMatch(/channel 3 .*3 channel/);
  });

  it("rejects 'luminance' on a grey image", async () => {
    await expect(
      decodeImage(await readFile(fixture('cell.png')), { channel: 'luminance' }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
