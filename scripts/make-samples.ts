/**
 * Makes the bundled sample pair `samples/u2os/` (run: `node --import tsx scripts/make-samples.ts`).
 *
 * Source: samples/sources/bbbc022_hoechst.tif, channel 0 (Hoechst, nuclei) of BBBC022 IXMtest_A02_s9 (16-bit;
 * CC0, Gustafsdottir et al. PLOS ONE 2013). The moving image is the same field shifted by a known
 * subpixel amount (Fourier shift), both cropped to the same window so that content enters and
 * leaves at the borders, with seeded Poisson-like noise, written as 16-bit TIFFs. `truth.json`
 * holds the shift that registers moving onto reference (the negative of the applied shift).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { encodeTiff } from '../shared/imaging/encode-tiff.js';
import { readImageFile } from '../shared/imaging/read-image-file.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { fourierShift } from '../shared/registration/fourier-shift.js';
import { lcgGaussian } from './lcg-gaussian.js';

const applied = [4.37, -6.81];
const margin = 24;
const source = await readImageFile('samples/sources/bbbc022_hoechst.tif');
const [h, w] = source.array.shape as [number, number];

const gaussian = lcgGaussian(20261122);

function windowed(image: NdArray): NdArray<Uint16Array> {
  const out = new Uint16Array((h - 2 * margin) * (w - 2 * margin));
  for (let y = margin; y < h - margin; y++) {
    for (let x = margin; x < w - margin; x++) {
      const v = image.data[y * w + x]!;
      const noisy = v + Math.sqrt(Math.max(v, 1)) * gaussian();
      out[(y - margin) * (w - 2 * margin) + (x - margin)] = Math.min(65535, Math.max(0, Math.round(noisy)));
    }
  }
  return { data: out, shape: [h - 2 * margin, w - 2 * margin] };
}

mkdirSync('samples/u2os', { recursive: true });
writeFileSync('samples/u2os/reference.tif', encodeTiff(windowed(source.array)));
writeFileSync('samples/u2os/moving.tif', encodeTiff(windowed(fourierShift(source.array, applied))));
writeFileSync(
  'samples/u2os/truth.json',
  `${JSON.stringify({ shift: applied.map((s) => -s), applied, note: 'shift registers moving onto reference' }, null, 2)}\n`,
);
console.log(`samples/u2os: ${h - 2 * margin}x${w - 2 * margin}, applied shift [${applied.join(', ')}]`);
