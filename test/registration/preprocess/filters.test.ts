import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../../shared/errors/metdb-error.js';
import {
  gaussianBlur,
  medianFilter,
  removeBackground,
  suppressHotPixels,
} from '../../../shared/registration/preprocess/index.js';
import { readFloat64 } from '../../support/float64-files.js';

// Reference values printed by /usr/bin/python3 (SciPy 1.10.1):
//   img = (np.arange(42).reshape(6, 7) * 37 % 23).astype(float)
//   ndimage.gaussian_filter(img, 1.5), (img, [0, 2]), (img, 3.0)  (mode 'reflect', truncate 4)
//   ndimage.median_filter(img, 3, mode='reflect');  vol = (np.arange(60).reshape(3, 4, 5) * 13 % 17)
const IMG = { data: Float64Array.from({ length: 42 }, (_, i) => (i * 37) % 23), shape: [6, 7] };
const G15 = [
  8.56648879237244, 9.416943389619284, 10.325081862053672, 10.807251150986973, 10.973311949148183,
  11.213938355018968, 11.572143763766547, 9.209735013363002, 9.767336270060447, 10.42812138964339,
  10.922476991112854, 11.232380714159863, 11.476699847452634, 11.700475421314746, 9.874082700662534,
  10.097398992007186, 10.486078705576192, 10.995859906625796, 11.454275023678768, 11.714689913459415,
  11.82381203351584, 10.17618796648416, 10.285310086540587, 10.545724976321232, 11.004140093374208,
  11.51392129442381, 11.902601007992816, 12.12591729933747, 10.299524578685256, 10.523300152547366,
  10.767619285840139, 11.077523008887148, 11.571878610356611, 12.232663729939555, 12.790264986637002,
  10.427856236233456, 10.786061644981036, 11.026688050851819, 11.192748849013029, 11.67491813794633,
  12.583056610380718, 13.433511207627562,
];
const G0_2 = [
  7.246408079494377, 8.043731429319227, 9.093741554740927, 9.803994477916223, 10.007587127239141,
  9.940559835627877, 9.86397749566223, 11.136022504337772, 11.059440164372123, 10.992412872760859,
  11.196005522083777, 11.906258445259073, 12.956268570680773, 13.753591920505624, 10.231909502811362,
  10.727959493600293, 11.500197351570858, 12.10132868198007, 12.092082869208692, 11.483754763536382,
  10.862767337292343, 11.137232662707657, 10.516245236463618, 9.907917130791308, 9.89867131801993,
  10.499802648429142, 11.272040506399708, 11.768090497188638, 8.246408079494376, 9.043731429319228,
  10.093741554740927, 10.803994477916223, 11.007587127239141, 10.940559835627877, 10.86397749566223,
  12.136022504337774, 12.059440164372123, 11.992412872760859, 12.196005522083777, 12.906258445259073,
  13.956268570680772, 14.753591920505622,
];
const G_BIG = [
  10.201108925765894, 10.323053361458706, 10.53863299168031, 10.800651668600732, 11.055495769071186,
  11.254931072197476, 11.363937465389148, 10.261224989754187, 10.381069230360014, 10.59384037543466,
  10.85410677946908, 11.109123044471627, 11.310080228526823, 11.420456786070572, 10.363931899241983,
  10.480410278095555, 10.688792942100047, 10.946603139520882, 11.202489899333862, 11.406544397629107,
  11.519554197323329, 10.480445802676673, 10.593455602370895, 10.797510100666138, 11.053396860479122,
  11.311207057899955, 11.519589721904445, 11.636068100758019, 10.57954321392943, 10.689919771473178,
  10.890876955528373, 11.145893220530922, 11.40615962456534, 11.61893076963999, 11.738775010245817,
  10.636062534610852, 10.745068927802524, 10.944504230928816, 11.199348331399271, 11.461367008319693,
  11.676946638541295, 11.798891074234106,
];
const MED3 = [
  6, 6, 14, 10, 10, 10, 15, 6, 11, 11, 11, 10, 13, 13, 12, 11, 9, 11, 13, 13, 10, 12, 9, 9, 11, 13, 11, 10, 9,
  9, 12, 11, 11, 11, 16, 7, 12, 12, 12, 8, 16, 16,
];
const VOL = { data: Uint8Array.from({ length: 60 }, (_, i) => (i * 13) % 17), shape: [3, 4, 5] };
const MED333 = [
  5, 9, 9, 6, 5, 11, 9, 8, 6, 6, 11, 8, 7, 7, 12, 8, 7, 5, 9, 12, 6, 7, 9, 9, 7, 7, 8, 9, 8, 7, 8, 8, 8, 8, 8,
  8, 8, 7, 6, 9, 6, 6, 10, 11, 11, 6, 7, 9, 9, 8, 4, 9, 9, 8, 5, 4, 10, 9, 6, 5,
];

function maxDiff(a: ArrayLike<number>, b: readonly number[]): number {
  let m = 0;
  b.forEach((v, i) => (m = Math.max(m, Math.abs((a[i] as number) - v))));
  return m;
}

describe('gaussianBlur matches scipy.ndimage.gaussian_filter', () => {
  it('sigma 1.5, both axes', () =>
    expect(maxDiff(gaussianBlur(IMG, [1.5, 1.5]).data, G15)).toBeLessThan(1e-12));
  it('sigma 0 leaves an axis alone', () =>
    expect(maxDiff(gaussianBlur(IMG, [0, 2]).data, G0_2)).toBeLessThan(1e-12));
  it('kernel radius longer than the image (repeated reflection)', () =>
    expect(maxDiff(gaussianBlur(IMG, [3, 3]).data, G_BIG)).toBeLessThan(1e-12));
});

describe('medianFilter matches scipy.ndimage.median_filter (reflect)', () => {
  it('3x3 in 2D', () => expect(Array.from(medianFilter(IMG, [3, 3]).data)).toEqual(MED3));
  it('3x3x3 in 3D, 8-bit input', () => expect(Array.from(medianFilter(VOL, [3, 3, 3]).data)).toEqual(MED333));
});

// A real crop: camera.png (scikit-image data, CC0), rows 300..319, columns 200..223, see
// test/registration/make-shift-fixtures.py.
function camera(): { data: Float64Array; shape: number[] } {
  const path = fileURLToPath(new URL('../../fixtures/shift/camera-20x24.f64', import.meta.url));
  return { data: readFloat64(path), shape: [20, 24] };
}

describe('suppressHotPixels', () => {
  it('removes injected hot pixels from a real image and keeps almost everything else', () => {
    const clean = camera();
    const hot = { data: Float64Array.from(clean.data), shape: clean.shape };
    const spots = [5 * 24 + 7, 12 * 24 + 3, 0, 19 * 24 + 23, 10 * 24 + 12];
    for (const i of spots) hot.data[i] = 4000;
    const median = medianFilter(hot, [3, 3]).data;
    const out = suppressHotPixels(hot);
    for (const i of spots) expect(out.data[i]).toBe(median[i]);
    let changed = 0;
    for (let i = 0; i < out.data.length; i++)
      if (!spots.includes(i) && out.data[i] !== hot.data[i]) changed++;
    expect(changed / out.data.length).toBeLessThan(0.02);
  });

  it('polarity: dark pixels only with "dark" or "both"', () => {
    const img = camera();
    img.data[100] = -3000;
    expect(suppressHotPixels(img).data[100]).toBe(-3000);
    expect(suppressHotPixels(img, { polarity: 'dark' }).data[100]).not.toBe(-3000);
    expect(suppressHotPixels(img, { polarity: 'both' }).data[100]).not.toBe(-3000);
  });

  it('per-plane window in 3D equals the 2-D rule on each plane', () => {
    const vol = { data: Float64Array.from(VOL.data), shape: [3, 4, 5] };
    vol.data[27] = 500;
    const planes = suppressHotPixels(vol, { perPlane: true, threshold: 3 });
    const sized = suppressHotPixels(vol, { size: [1, 3, 3], threshold: 3 });
    expect(Array.from(planes.data)).toEqual(Array.from(sized.data));
    expect(planes.data[27]).toBeLessThan(500);
  });

  it('a flat image with one spike: the fallback sigma still catches it', () => {
    const data = new Float64Array(100).fill(10);
    data[55] = 11;
    expect(suppressHotPixels({ data, shape: [10, 10] }).data[55]).toBe(10);
    expect(suppressHotPixels({ data: new Float64Array(9).fill(2), shape: [3, 3] }).data).toEqual(
      new Float64Array(9).fill(2),
    );
  });

  it('rejects even sizes and unknown options', () => {
    expect(() => suppressHotPixels(IMG, { size: 4 })).toThrow(/odd/);
    expect(() => suppressHotPixels(IMG, { sigma: 3 } as never)).toThrow(/unknown option/);
  });
});

describe('removeBackground', () => {
  it("'gaussian' subtracts gaussian_filter (scipy reference)", () => {
    const out = removeBackground(IMG, { sigma: 1.5 });
    expect(
      maxDiff(
        out.data,
        Array.from(IMG.data, (v, i) => v - (G15[i] as number)),
      ),
    ).toBeLessThan(1e-12);
  });
  it("'plane' removes an exact tilt and leaves zero mean", () => {
    const data = new Float64Array(5 * 6 * 7);
    for (let z = 0; z < 5; z++)
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 7; x++) data[(z * 6 + y) * 7 + x] = 3 + 0.5 * z - 2 * y + 0.25 * x;
    const out = removeBackground({ data, shape: [5, 6, 7] }, { method: 'plane' });
    expect(Math.max(...out.data.map(Math.abs))).toBeLessThan(1e-12);
    const img = camera();
    const flat = removeBackground(img, { method: 'plane', dtype: 'float32' });
    expect(flat.data).toBeInstanceOf(Float32Array);
    let sum = 0;
    for (const v of flat.data) sum += v;
    expect(Math.abs(sum / flat.data.length)).toBeLessThan(1e-3);
  });
  it('checks sigma per axis and the method', () => {
    let caught: unknown;
    try {
      removeBackground(IMG, { sigma: [1, 2, 3] });
    } catch (e) {
      caught = e;
    }
    expect(isMetdbError(caught, 'invalid-argument')).toBe(true);
    expect(() => removeBackground(IMG, { method: 'rolling-ball' as 'plane' })).toThrow(/method/);
  });
});
