import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray, type NdArray } from '../../shared/ndarray/ndarray.js';
import {
  FIXED_THRESHOLD,
  fourierRingCorrelation,
  frcCrossing,
  pairQuality,
  singleImageSnr,
} from '../../shared/quality-metrics/index.js';
import { fftn } from '../../shared/registration/fourier-transform.js';
import { gaussianBlur } from '../../shared/registration/preprocess/gaussian-blur.js';
import { tukey1d } from '../../shared/registration/preprocess/tukey-window.js';
import { crop, withNoise } from '../tiling/pixels.js';

/** Real images with noise of a known variance: the metrics must find the SNR we made. */
let signal: NdArray<Float64Array>;
let smooth: NdArray<Float64Array>;

const variance = (image: NdArray): number => {
  const n = image.data.length;
  let mean = 0;
  for (const v of image.data) mean += v;
  mean /= n;
  let s = 0;
  for (const v of image.data) s += (v - mean) ** 2;
  return s / n;
};

beforeAll(async () => {
  const cell = await readImageFile(new URL('../fixtures/images/cell.png', import.meta.url).pathname);
  signal = crop(cell.array, [384, 320]);
  // A signal smooth over a few pixels (what the single-image method assumes of its signal).
  smooth = gaussianBlur(signal, [2, 2]);
});

describe('known SNR: two images of a real cell with independent Gaussian noise', () => {
  it.each([0.5, 2, 10])('two-image snr (Frank and Al-Ali) finds a true SNR of %s within 5 %', (truth) => {
    const sigma = Math.sqrt(variance(signal) / truth);
    const q = pairQuality(withNoise(signal, sigma, 11), withNoise(signal, sigma, 12), { bins: 256 });
    expect(Math.abs(q.snr / truth - 1)).toBeLessThan(0.05);
    expect(q.ncc).toBeCloseTo(truth / (1 + truth), 1);
  });

  it('lower noise gives higher ncc and nmi and lower nsad', () => {
    const pair = (sigma: number) =>
      pairQuality(withNoise(signal, sigma, 21), withNoise(signal, sigma, 22), { bins: 256 });
    const [clean, noisy] = [pair(2), pair(20)];
    expect(clean.ncc).toBeGreaterThan(noisy.ncc);
    expect(clean.mi.nmi).toBeGreaterThan(noisy.mi.nmi);
    expect(clean.nsad).toBeLessThan(noisy.nsad);
  });

  it('the FRC curve follows SNR(k) / (1 + SNR(k)) computed from the signal spectrum, and so does its cutoff', () => {
    const sigma = Math.sqrt(variance(signal) / 2);
    const alpha = 0.25;
    const frc = fourierRingCorrelation(withNoise(signal, sigma, 31), withNoise(signal, sigma, 32), {
      window: { type: 'tukey', alpha },
    });
    const expected = expectedFrc(signal, sigma, alpha, frc.frequency.length);
    // Per ring the estimate scatters by about (1 - FRC^2) / sqrt(n / 2) (n / 2 independent
    // Fourier pixels of a real image): no bias, and a scatter of that size.
    const z = frc.correlation.map(
      (v, k) => (v - expected[k]!) / ((1 - expected[k]! ** 2) / Math.sqrt(frc.pixels[k]! / 2)),
    );
    const meanZ = z.reduce((s, v) => s + v, 0) / z.length;
    const rmsZ = Math.sqrt(z.reduce((s, v) => s + v * v, 0) / z.length);
    expect(Math.abs(meanZ)).toBeLessThan(0.3);
    expect(rmsZ).toBeGreaterThan(0.6);
    expect(rmsZ).toBeLessThan(1.4);
    const got = frcCrossing(frc.frequency, frc.correlation, FIXED_THRESHOLD)!;
    const want = frcCrossing(frc.frequency, expected, FIXED_THRESHOLD)!;
    expect(got.reached && want.reached).toBe(true);
    // The curve is flat where it crosses, so ring scatter moves the crossing by a few rings.
    expect(Math.abs(got.frequency / want.frequency - 1)).toBeLessThan(0.15);
  });

  it('identical images correlate at every ring; independent noise images cross the threshold at once', () => {
    const a = withNoise(signal, 5, 41);
    const same = fourierRingCorrelation(a, a);
    expect(Math.min(...same.correlation)).toBeCloseTo(1, 6);
    const noise = fourierRingCorrelation(
      withNoise(zeros(signal.shape), 1, 42),
      withNoise(zeros(signal.shape), 1, 43),
    );
    const mean = noise.correlation.reduce((s, v) => s + v, 0) / noise.correlation.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(frcCrossing(noise.frequency, noise.correlation, noise.halfBit)!.frequency).toBeLessThan(0.02);
  });
});

describe('known SNR: one image of a smooth real signal (Thong et al. autocorrelation)', () => {
  it.each([1, 5, 20])('finds a true SNR of %s within 10 % (x, y and both)', (truth) => {
    const sigma = Math.sqrt(variance(smooth) / truth);
    const got = singleImageSnr(withNoise(smooth, sigma, 51));
    for (const v of [got.snr, got.snrX, got.snrY]) expect(Math.abs(v / truth - 1)).toBeLessThan(0.1);
  });

  it('noise correlated along x (a slow detector) inflates snrX but not snrY', () => {
    const sigma = Math.sqrt(variance(smooth) / 2);
    const white = withNoise(zeros(smooth.shape), sigma, 61).data;
    const [h, w] = smooth.shape as [number, number];
    const noisy = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) {
      const previous = i % w === 0 ? white[i]! : white[i - 1]!;
      noisy[i] = smooth.data[i]! + (white[i]! + previous) / Math.SQRT2;
    }
    const got = singleImageSnr(ndarray(noisy, smooth.shape));
    expect(got.snrX).toBeGreaterThan(4);
    expect(Math.abs(got.snrY / 2 - 1)).toBeLessThan(0.1);
  });
});

function zeros(shape: readonly number[]): NdArray<Float64Array> {
  return ndarray(new Float64Array(shape.reduce((p, n) => p * n, 1)), shape);
}

/**
 * SNR(k) / (1 + SNR(k)) per ring: the windowed signal's ring power against the windowed noise's
 * expected ring power (sigma^2 times the sum of the squared window, per Fourier pixel).
 */
function expectedFrc(image: NdArray, sigma: number, alpha: number, rings: number): number[] {
  const [h, w] = image.shape as [number, number];
  const wy = tukey1d(h, alpha);
  const wx = tukey1d(w, alpha);
  let mean = 0;
  for (const v of image.data) mean += v;
  mean /= h * w;
  const windowed = new Float64Array(h * w);
  let w2 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const weight = wy[y]! * wx[x]!;
      windowed[y * w + x] = (image.data[y * w + x]! - mean) * weight;
      w2 += weight * weight;
    }
  }
  const spectrum = fftn(ndarray(windowed, [h, w])).data;
  const m = Math.min(h, w);
  const power = new Float64Array(rings + 1);
  const count = new Float64Array(rings + 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const fy = ((y < Math.ceil(h / 2) ? y : y - h) * m) / h;
      const fx = ((x < Math.ceil(w / 2) ? x : x - w) * m) / w;
      const ring = Math.floor(Math.sqrt(fy * fy + fx * fx) + 0.5);
      if (ring > rings) continue;
      const i = 2 * (y * w + x);
      power[ring]! += spectrum[i]! ** 2 + spectrum[i + 1]! ** 2;
      count[ring]! += 1;
    }
  }
  return Array.from({ length: rings }, (_, k) => {
    const snr = power[k + 1]! / (count[k + 1]! * sigma * sigma * w2);
    return snr / (1 + snr);
  });
}
