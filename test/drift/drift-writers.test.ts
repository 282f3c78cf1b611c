import { describe, expect, it } from 'vitest';
import { seriesDrift } from '../../shared/aggregation/series-drift.js';
import { localisationDriftCsv, seriesDriftCsv } from '../../shared/drift/drift-csv.js';
import { seriesDriftJson } from '../../shared/drift/drift-json.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';

const root = new URL('../../', import.meta.url).pathname;

describe('drift.csv', () => {
  it('series: frame, drift per axis (z, y, x) in px, and um with a pixel size', () => {
    const table = {
      frames: [0, 1],
      drift: [
        [0, 0],
        [1.23456, -0.00001],
      ],
    };
    expect(seriesDriftCsv(table)).toBe('frame,drift_y_px,drift_x_px\n0,0.0000,0.0000\n1,1.2346,0.0000\n');
    expect(seriesDriftCsv(table, [0.5, 0.25]).split('\n')[0]).toBe(
      'frame,drift_y_px,drift_x_px,drift_y_um,drift_x_um',
    );
    expect(seriesDriftCsv(table, [0.5, 0.25]).split('\n')[2]).toBe('1,1.2346,0.0000,0.617280,-0.000003');
    const volume = { frames: [0], drift: [[1, 2, 3]] };
    expect(seriesDriftCsv(volume).split('\n')[0]).toBe('frame,drift_z_px,drift_y_px,drift_x_px');
    expect(() => seriesDriftCsv(table, [1])).toThrow(/one pixel size per axis/);
  });

  it('localisations: frame, drift x, y (, z) in nm', () => {
    expect(
      localisationDriftCsv({
        frames: [1, 2],
        drift: [
          [0, 0, 0],
          [1.5, -2.25, 3],
        ],
      }),
    ).toBe('frame,drift_x_nm,drift_y_nm,drift_z_nm\n1,0.000,0.000,0.000\n2,1.500,-2.250,3.000\n');
  });
});

describe('drift.json', () => {
  it('records settings, the solve and every frame of a real series', async () => {
    const image = (await readImageFile(`${root}test/fixtures/localisations/bbbc022_er_crop.tif`)).array;
    const frames = [0, 1, 2, 3].map((k) => fourierShift(image, [0.5 * k, -0.25 * k]));
    const result = seriesDrift(frames, { rccWindow: 2 });
    const json = JSON.parse(
      seriesDriftJson(result, { mode: 'rcc', rccWindow: 2, pixelSizeUm: [0.1, 0.1], files: ['a.tif'] }),
    ) as {
      kind: string;
      axes: string[];
      rccWindow: number;
      pairs: number;
      files: string[];
      frames: {
        frame: number;
        drift_px: number[];
        drift_um: number[];
        shift_px: number[];
        error_px: number[];
      }[];
    };
    expect(json.kind).toBe('series');
    expect(json.axes).toEqual(['y', 'x']);
    expect(json.rccWindow).toBe(2);
    expect(json.pairs).toBe(5);
    expect(json.files).toEqual(['a.tif']);
    expect(json.frames).toHaveLength(4);
    expect(json.frames[3]!.frame).toBe(3);
    expect(json.frames[3]!.drift_px[0]).toBeCloseTo(1.5, 1);
    expect(json.frames[3]!.drift_px[1]).toBeCloseTo(-0.75, 1);
    expect(json.frames[3]!.drift_um[0]).toBeCloseTo(0.15, 2);
    expect(json.frames[3]!.shift_px[0]).toBeCloseTo(-1.5, 1);
    expect(json.frames[0]!.error_px).toEqual([0, 0]);
  });
});
