import type { NdArray } from '../../ndarray/ndarray.js';
import { rfftn } from '../fft/fftn.js';
import { HeapBuffer } from '../fft/pffft-module.js';
import { apodizeDisc } from './apodize-disc.js';

/**
 * The log-polar grid of a spectrum: `angles` rows over half a turn (a real image's magnitude
 * spectrum is point-symmetric) from -90 degrees, and `radii` columns of log-spaced frequencies from
 * `minFrequency` to `maxFrequency` (cycles per pixel). A rotation of the image by a turns the grid's
 * rows by a / (180 / angles); a scale s moves its columns by -ln(s) / logStep.
 */
export interface LogPolarGrid {
  readonly angles: number;
  readonly radii: number;
  readonly minFrequency: number;
  readonly maxFrequency: number;
}

/** Natural-log step between neighbouring radii of a grid. */
export function logStep(grid: LogPolarGrid): number {
  return Math.log(grid.maxFrequency / grid.minFrequency) / (grid.radii - 1);
}

/**
 * The Fourier-Mellin signature of a 2D image (Reddy & Chatterji 1996): the image apodised by a
 * disc (rotation-invariant, unlike the image's own edges), its log-magnitude spectrum above the
 * noise floor, high-passed, resampled bilinearly on the log-polar `grid` in physical frequency (so
 * non-square images rotate correctly). Row-major [angles][radii].
 */
export function logPolarSpectrum(image: NdArray, grid: LogPolarGrid): Float32Array {
  const [height, width] = image.shape as [number, number];
  const h = (width >> 1) + 1;
  const spectrum = new HeapBuffer(2 * h * height);
  let magnitude: Float32Array;
  try {
    rfftn(apodizeDisc(image), [height, width], spectrum);
    magnitude = filteredMagnitude(spectrum.view, h, height, width);
  } finally {
    spectrum.free();
  }
  return resample(magnitude, h, height, width, grid);
}

/** Frequency (cycles per pixel) below which the high-pass filter (f / F)² attenuates. */
const HIGH_PASS = 0.02;
/** The signature counts magnitudes above this many times the noise floor. */
const FLOOR_FACTOR = 2;

/**
 * max(0, ln(|F| / (2 · floor))) · min(1, (f / 0.02)²) on the frequency-major half spectrum
 * ([h][height]), floor the median magnitude between 0.35 and 0.5 cycles per pixel (where
 * microscopy images hold mostly noise). Above the floor only, so that the white noise of
 * low-texture images, independent in the two images, does not drown their few informative
 * frequencies; the high-pass removes the DC term and the lowest frequencies, which scale poorly
 * (imreg_dft filters with 1 - cos², which on such images also removes the signal).
 */
function filteredMagnitude(s: Float32Array, h: number, height: number, width: number): Float32Array {
  const out = new Float32Array(h * height);
  const outer: number[] = [];
  for (let x = 0; x < h; x++) {
    const fx = x / width;
    for (let r = 0; r < height; r++) {
      const fy = (r < height / 2 ? r : r - height) / height;
      const f2 = fx * fx + fy * fy;
      const i = x * height + r;
      const m = Math.sqrt(s[2 * i]! * s[2 * i]! + s[2 * i + 1]! * s[2 * i + 1]!);
      out[i] = m;
      if (f2 > 0.35 * 0.35 && f2 < 0.25 && (x + r) % 5 === 0) outer.push(m);
    }
  }
  outer.sort((a, b) => a - b);
  const floor = FLOOR_FACTOR * (outer[outer.length >> 1] ?? 0) || Number.MIN_VALUE;
  const scale = 1 / (HIGH_PASS * HIGH_PASS);
  for (let x = 0; x < h; x++) {
    const fx = x / width;
    for (let r = 0; r < height; r++) {
      const fy = (r < height / 2 ? r : r - height) / height;
      const i = x * height + r;
      const above = out[i]! > floor ? Math.log(out[i]! / floor) : 0;
      out[i] = above * Math.min(1, (fx * fx + fy * fy) * scale);
    }
  }
  return out;
}

function resample(
  m: Float32Array,
  h: number,
  height: number,
  width: number,
  grid: LogPolarGrid,
): Float32Array {
  const { angles, radii, minFrequency } = grid;
  const step = logStep(grid);
  const out = new Float32Array(angles * radii);
  const frequency = Float64Array.from({ length: radii }, (_, k) => minFrequency * Math.exp(k * step));
  for (let a = 0; a < angles; a++) {
    const theta = -Math.PI / 2 + (a * Math.PI) / angles;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    for (let k = 0; k < radii; k++) {
      const f = frequency[k]!;
      // half-spectrum bins: x >= 0 (cos >= 0 for these angles), rows periodic
      const bx = Math.min(f * cos * width, h - 1.000001);
      const by = f * sin * height;
      const x0 = Math.floor(bx);
      const y0 = Math.floor(by);
      const tx = bx - x0;
      const ty = by - y0;
      const r0 = ((y0 % height) + height) % height;
      const r1 = r0 + 1 === height ? 0 : r0 + 1;
      const c0 = x0 * height;
      const c1 = c0 + height;
      const top = m[c0 + r0]! * (1 - tx) + m[c1 + r0]! * tx;
      const bottom = m[c0 + r1]! * (1 - tx) + m[c1 + r1]! * tx;
      out[a * radii + k] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}
