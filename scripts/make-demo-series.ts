/**
 * Makes the bundled demo series `samples/series/` (run: `node --import tsx scripts/make-demo-series.ts`).
 *
 * Source: samples/sources/bbbc022_hoechst.tif, channel 0 (Hoechst, nuclei) of BBBC022 IXMtest_A02_s9
 * (16-bit; CC0, Gustafsdottir et al. PLOS ONE 2013). Frame k is the field shifted by a smooth,
 * subpixel drift d(k) (Fourier shift of the whole field), then cropped to the same window (so
 * content enters and leaves at the borders, as in a real time lapse), with seeded Poisson-like
 * noise, written as a 16-bit TIFF `frame_0k.tif`. Frame 0 is undrifted and is the reference (the
 * first file by name). `truth.json` holds, per frame, the shift that registers it onto frame 0
 * (the negative of the applied drift), axis order y, x, pixels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { fourierShift } from '../shared/registration/fourier-shift.js';
import { lcgGaussian } from './lcg-gaussian.js';

const FRAMES = 8;
const MARGIN = 24;
const OUT = 'samples/series';

/** The applied drift of frame k, pixels (y, x): a slow curve, as stage drift over a time lapse. */
function drift(k: number): [number, number] {
  const y = 1.137 * k + 0.8 * Math.sin(0.9 * k);
  const x = -1.291 * k + 0.6 * (1 - Math.cos(0.7 * k));
  return [Math.round(y * 1000) / 1000, Math.round(x * 1000) / 1000];
}

const gaussian = lcgGaussian(20261205);

const source = await readImageFile('samples/sources/bbbc022_hoechst.tif');
const [h, w] = source.array.shape as [number, number];

function windowed(image: NdArray): NdArray<Uint16Array> {
  const oh = h - 2 * MARGIN;
  const ow = w - 2 * MARGIN;
  const out = new Uint16Array(oh * ow);
  for (let y = MARGIN; y < h - MARGIN; y++) {
    for (let x = MARGIN; x < w - MARGIN; x++) {
      const v = image.data[y * w + x]!;
      const noisy = v + Math.sqrt(Math.max(v, 1)) * gaussian();
      out[(y - MARGIN) * ow + (x - MARGIN)] = Math.min(65535, Math.max(0, Math.round(noisy)));
    }
  }
  return { data: out, shape: [oh, ow] };
}

mkdirSync(OUT, { recursive: true });
const frames = [];
for (let k = 0; k < FRAMES; k++) {
  const applied = drift(k);
  const file = `frame_${String(k).padStart(2, '0')}.tif`;
  const shifted = k === 0 ? source.array : fourierShift(source.array, applied);
  writeFileSync(`${OUT}/${file}`, encodeTiff(windowed(shifted)));
  frames.push({ file, applied, shift: applied.map((s) => (s === 0 ? 0 : -s)) });
}
const truth = {
  note: 'shift registers each frame onto frame_00.tif (the reference), axis order y, x, pixels; applied = -shift',
  reference: 'frame_00.tif',
  shape: [h - 2 * MARGIN, w - 2 * MARGIN],
  frames,
};
writeFileSync(`${OUT}/truth.json`, `${JSON.stringify(truth, null, 2)}\n`);
console.log(
  `${OUT}: ${FRAMES} frames ${h - 2 * MARGIN}x${w - 2 * MARGIN}, drift up to [${drift(FRAMES - 1).join(', ')}] px`,
);
