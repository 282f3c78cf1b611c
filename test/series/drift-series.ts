/**
 * Real-pixel drift series for the series tests: frames cut from one real image shifted by a known
 * subpixel drift (`fourierShift` on the whole image, then a central window cropped: content
 * enters and leaves at the borders), with seeded Gaussian noise, as uint16.
 */
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { NdArray } from '../../shared/ndarray/ndarray.js';
import { seededGaussian, seededUniform } from '../../shared/random/seeded.js';
import { fourierShift } from '../../shared/registration/fourier-shift.js';

export const CELL = new URL('../fixtures/images/cell_u16.tif', import.meta.url).pathname;

export interface DriftSeries {
  /** Frames along axis 0: [frames, size, size]. */
  readonly stack: NdArray<Uint16Array>;
  /** Per frame, the content's displacement from frame 0 (the drift), pixels, y, x. */
  readonly drift: number[][];
}

/**
 * `frames` frames of `size` x `size` from `source` (default the cell image): a smooth drift (a
 * slow sine plus a linear term, up to about `amplitude` px) and noise of `noise` x the window's
 * range (0.03: 3 %).
 */
export async function driftSeries(options: {
  frames: number;
  size: number;
  noise: number;
  amplitude?: number;
  seed?: number;
  source?: string;
}): Promise<DriftSeries> {
  const { frames, size, noise, amplitude = 6, seed = 1 } = options;
  const image = (await readImageFile(options.source ?? CELL)).array;
  const [height, width] = image.shape as [number, number];
  const y0 = Math.floor((height - size) / 2);
  const x0 = Math.floor((width - size) / 2);
  const next = seededUniform(seed);
  const gaussian = seededGaussian(next);
  const phase = next() * Math.PI;
  const drift = Array.from({ length: frames }, (_, k) => {
    const t = frames === 1 ? 0 : k / (frames - 1);
    return [
      amplitude * (0.6 * t + 0.4 * Math.sin(2 * Math.PI * t + phase) - 0.4 * Math.sin(phase)),
      amplitude * (-0.8 * t + 0.3 * Math.sin(3 * t + phase) - 0.3 * Math.sin(phase)),
    ];
  });
  const data = new Uint16Array(frames * size * size);
  drift.forEach((d, k) => {
    const shifted = fourierShift(image, d);
    const crop = new Float64Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) crop[y * size + x] = shifted.data[(y0 + y) * width + x0 + x]!;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of crop) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const sigma = noise * (hi - lo);
    for (let i = 0; i < crop.length; i++)
      data[k * size * size + i] = Math.min(65535, Math.max(0, Math.round(crop[i]! + sigma * gaussian())));
  });
  return { stack: { data, shape: [frames, size, size] }, drift };
}
