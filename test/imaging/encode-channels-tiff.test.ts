import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeChannelsTiff } from '../../shared/imaging/encode-channels-tiff.js';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { hasPython, runPython, TIFFFILE_READ } from '../support/python-readers.js';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'metdb-ometiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const withTifffile = hasPython('tifffile', 'numpy');

interface TifffileView {
  axes: string;
  shape: number[];
  dtype: string;
  channel_sums: number[];
  ome?: { names: string[]; x: string; y: string; z: string | null; unit: string };
  imagej?: { unit: string; spacing: number | null; labels: string[] | null; channels: number; x: number };
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('encodeChannelsTiff on the 3-channel ImageJ file at 0.0515 µm', async () => {
  const input = readFileSync(join(fixtures, 'units/bbbc022_3ch_0.0515um.tif'));
  const image = await decodeChannels(input);

  it('decodes every channel with its name and the pixel size', () => {
    expect(image.channels).toHaveLength(3);
    expect(image.names).toEqual(['Hoechst', 'ER', 'Mito']);
    expect(image.metadataFormat).toBe('imagej');
    expect(image.pixelSize?.x).toBeCloseTo(0.0515, 9);
  });

  for (const format of ['ome', 'imagej'] as const) {
    it(`writes a ${format} TIFF that reads back with every channel, name and size`, async () => {
      const bytes = encodeChannelsTiff(image, { format, name: 'bbbc022' });
      const again = await decodeChannels(bytes);
      expect(again.names).toEqual(['Hoechst', 'ER', 'Mito']);
      expect(again.metadataFormat).toBe(format);
      expect(again.pixelSize?.unit).toBe('µm');
      expect(again.pixelSize?.x).toBeCloseTo(0.0515, 6);
      again.channels.forEach((c, k) => expect(c.data).toEqual(image.channels[k]!.data));
      if (!withTifffile) return;
      const path = join(dir, `bbbc022.${format}.tif`);
      writeFileSync(path, bytes);
      const seen = runPython<TifffileView>(TIFFFILE_READ, path);
      expect(seen.shape).toEqual([3, 128, 160]);
      expect(seen.axes).toBe('CYX');
      expect(seen.dtype).toBe('uint16');
      expect(seen.channel_sums).toEqual(image.channels.map((c) => sum(c.data)));
      if (format === 'ome') {
        expect(seen.ome).toMatchObject({ names: ['Hoechst', 'ER', 'Mito'], unit: 'µm', z: null });
        expect(Number(seen.ome!.x)).toBeCloseTo(0.0515, 9);
      } else {
        expect(seen.imagej).toMatchObject({ unit: 'micron', labels: ['Hoechst', 'ER', 'Mito'], channels: 3 });
        expect(seen.imagej!.x).toBeCloseTo(0.0515, 6);
      }
    });
  }

  it('writes z stacks of several channels in each layout (OME: ZC order XYZCT; ImageJ: channel fastest)', async () => {
    const source = readFileSync(join(fixtures, 'images/bbbc022_zcyx_imagej.tif'));
    const stack = await decodeChannels(source);
    expect(stack.channels.map((c) => c.shape)).toEqual([
      [3, 40, 48],
      [3, 40, 48],
    ]);
    const sized = { ...stack, pixelSize: { x: 0.2, y: 0.2, z: 0.5, unit: 'µm' as const } };
    for (const format of ['ome', 'imagej'] as const) {
      const bytes = encodeChannelsTiff(sized, { format });
      for (const c of [0, 1]) {
        const back = await decodeImage(bytes, { channel: c });
        expect(back.array.data).toEqual(stack.channels[c]!.data);
        expect(back.info.pixelSize).toEqual({
          x: expect.closeTo(0.2, 6) as number,
          y: expect.closeTo(0.2, 6) as number,
          z: 0.5,
          unit: 'µm',
        });
      }
      if (!withTifffile) continue;
      const path = join(dir, `zc.${format}.tif`);
      writeFileSync(path, bytes);
      const seen = runPython<TifffileView>(TIFFFILE_READ, path);
      expect(seen.axes).toBe(format === 'ome' ? 'CZYX' : 'ZCYX');
      expect(seen.channel_sums).toEqual(stack.channels.map((c) => sum(c.data)));
    }
  });

  it('writes a series of volumes (t x z, time-major planes) in each layout: OME TCZYX, ImageJ TZCYX', async () => {
    const [T, Z, Y, X] = [3, 4, 5, 6];
    // Every plane of channel c at time t and depth z holds 1000 c + 100 t + z.
    const channel = (c: number) => {
      const data = new Uint16Array(T * Z * Y * X);
      for (let p = 0; p < T * Z; p++)
        data.fill(1000 * c + 100 * Math.floor(p / Z) + (p % Z), p * Y * X, (p + 1) * Y * X);
      return { data, shape: [T * Z, Y, X] };
    };
    const image = {
      channels: [channel(1), channel(2)],
      names: ['a', 'b'],
      pixelSize: { x: 0.1, y: 0.1, z: 0.5, unit: 'µm' as const },
      metadataFormat: null,
    };
    for (const format of ['ome', 'imagej'] as const) {
      const bytes = encodeChannelsTiff(image, { format, timePoints: T });
      const back = await decodeChannels(bytes);
      back.channels.forEach((c, k) => expect(c.data).toEqual(image.channels[k]!.data));
      expect(back.pixelSize).toMatchObject({ z: 0.5 });
      if (!withTifffile) continue;
      const path = join(dir, `tzc.${format}.tif`);
      writeFileSync(path, bytes);
      const seen = runPython<TifffileView>(TIFFFILE_READ, path);
      expect(seen.axes).toBe(format === 'ome' ? 'TCZYX' : 'TZCYX');
      expect(seen.shape).toEqual(format === 'ome' ? [T, 2, Z, Y, X] : [T, Z, 2, Y, X]);
    }
    expect(() => encodeChannelsTiff(image, { timePoints: 5 })).toThrow(/12 planes are not 5 time points/);
  });
});
