import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectImage } from '../../shared/imaging/inspect-image.js';
import { parseLengthUnit, pixelSizeUm } from '../../shared/imaging/pixel-size.js';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const sizeOf = async (path: string) => (await inspectImage(readFileSync(join(fixtures, path)))).pixelSize;

describe('pixel size read from the file', () => {
  it('takes OME-XML PhysicalSizeX/Y (AICS brightfield, 1.083 µm)', async () => {
    const size = await sizeOf('images/aics_crop_lzw.ome.tif');
    expect(size).toEqual({ x: 1.0833333333333333, y: 1.0833333333333333, z: null, unit: 'µm' });
  });

  it('takes ImageJ unit=, resolution tags and spacing= (confocal beads in µm, cryo-ET in nm)', async () => {
    const beads = (await sizeOf('units/beads_imagej_um.tif'))!;
    expect(beads.unit).toBe('µm');
    expect(beads.x).toBeCloseTo(1 / 44.460534, 9);
    expect(beads.y).toBeCloseTo(1 / 44.460534, 9);
    expect(beads.z).toBe(0.125);
    const em = (await sizeOf('units/cryoet_imagej_nm.tif'))!;
    expect(em.unit).toBe('nm');
    expect(em.x).toBeCloseTo(1.052, 6);
    expect(em.z).toBe(1.052);
    expect(pixelSizeUm(em, 3)).toEqual([0.001052, expect.closeTo(0.001052, 9), expect.closeTo(0.001052, 9)]);
    const c3 = (await sizeOf('units/bbbc022_3ch_0.0515um.tif'))!;
    expect(c3.unit).toBe('µm');
    expect(c3.x).toBeCloseTo(0.0515, 9);
    expect(c3.y).toBeCloseTo(0.0515, 9);
    expect(c3.z).toBeNull();
  });

  it('takes TIFF resolution tags in centimetres, in µm, and ignores 72 dpi', async () => {
    const size = (await sizeOf('units/aics_resolution_cm.tif'))!;
    expect(size.unit).toBe('µm');
    expect(size.x).toBeCloseTo(1.0833333, 6);
    expect(size.z).toBeNull();
    expect(await sizeOf('units/mist_72dpi.tif')).toBeNull();
  });

  it('takes the MRC cell over its sampling, in ångströms (EMD-3197: 11.4 Å)', async () => {
    const size = (await sizeOf('images/EMD-3197.map'))!;
    expect(size).toEqual({ x: 11.4, y: 11.4, z: 11.4, unit: 'Å' });
    expect(pixelSizeUm(size, 3)[0]).toBeCloseTo(0.00114, 12);
  });

  it('is null when the file states no size', async () => {
    expect(await sizeOf('images/blobs3d_skeleton.tif')).toBeNull(); // ImageJ "unit= " (blank)
    expect(await sizeOf('images/bbbc022_czyx.ome.tif')).toBeNull(); // OME without PhysicalSize
    expect(await sizeOf('images/cell.png')).toBeNull();
    expect(await sizeOf('images/cell_u16.tif')).toBeNull(); // resolution 1/1, unit none
  });

  it('reads the units as files spell them', () => {
    for (const [text, unit] of [
      ['micron', 'µm'],
      ['\\u00B5m', 'µm'],
      ['μm', 'µm'],
      ['um', 'µm'],
      ['?m', 'µm'],
      ['nm', 'nm'],
      ['Å', 'Å'],
      ['angstrom', 'Å'],
      ['mm', 'mm'],
    ] as const) {
      expect(parseLengthUnit(text), text).toBe(unit);
    }
    for (const text of ['pixel', '', ' ', 'furlong', undefined])
      expect(parseLengthUnit(text)).toBeUndefined();
  });
});
