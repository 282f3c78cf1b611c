import { MetdbError } from '../errors/metdb-error.js';
import type { NdArray } from '../ndarray/ndarray.js';

export interface SingleImageSnrOptions {
  /**
   * How the noise-free autocorrelation at lag 0 is extrapolated from lags 1 and 2 (A1, A2):
   * 'nearest' A1; 'linear' 2 A1 - A2; 'parabolic' (4 A1 - A2) / 3, a parabola through lags
   * +-1, +-2 symmetric about 0 (the FIB-SEM toolkit's default, Sim et al. 2016 "NN+FO").
   * @default 'parabolic'
   */
  extrapolation?: 'nearest' | 'linear' | 'parabolic';
}

export interface SingleImageSnr {
  /** From the autocorrelation averaged over the x and y lags. */
  readonly snr: number;
  /** Along x (within rows): the fast scan direction of an SEM, where noise may be correlated. */
  readonly snrX: number;
  /** Along y (between rows): usually the more reliable one for SEM images. */
  readonly snrY: number;
}

/**
 * Signal-to-noise ratio of one image by the autocorrelation method of Thong et al. (Scanning 23,
 * 328-336, 2001): white noise adds its variance to the autocorrelation at lag 0 only, so the
 * signal's own value there is extrapolated from the neighbouring lags and
 *
 *     snr = (A_nf(0)) / (A(0) - A_nf(0))   (signal variance / noise variance, a power ratio)
 *
 * with A(k) the autocorrelation of the mean-subtracted image at lag k, averaged over the pixel
 * pairs the image holds (no wrap-around). It assumes a signal smooth over 2 pixels and noise
 * uncorrelated between neighbours; sharp detail reads as noise (snr too low), noise correlated
 * along the scan reads as signal (snrX too high). Stacks pool the lags of every section.
 *
 * @param image 2D (y, x) or 3D (z, y, x), at least 3 x 3 pixels per section
 * @throws MetdbError 'invalid-argument'
 */
export function singleImageSnr(image: NdArray, options: SingleImageSnrOptions = {}): SingleImageSnr {
  const { extrapolation = 'parabolic' } = options;
  const { shape, data } = image;
  if (shape.length < 2 || shape.length > 3 || shape.slice(-2).some((n) => n < 3)) {
    throw new MetdbError(
      'invalid-argument',
      `singleImageSnr: needs sections of at least 3x3 pixels, got [${shape.join(', ')}]`,
    );
  }
  if (!['nearest', 'linear', 'parabolic'].includes(extrapolation)) {
    throw new MetdbError('invalid-argument', `singleImageSnr: unknown extrapolation "${extrapolation}"`);
  }
  const [h, w] = shape.slice(-2) as [number, number];
  const sections = shape.length === 3 ? shape[0]! : 1;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i]!;
  mean /= data.length;
  // sums[axis][lag]: sum of products of pixel pairs `lag` apart along x (axis 0) or y (axis 1).
  const sums = [new Float64Array(3), new Float64Array(3)] as const;
  for (let z = 0; z < sections; z++) {
    const base = z * h * w;
    for (let y = 0; y < h; y++) {
      const row = base + y * w;
      for (let x = 0; x < w; x++) {
        const v = data[row + x]! - mean;
        sums[0][0]! += v * v;
        if (x + 1 < w) sums[0][1]! += v * (data[row + x + 1]! - mean);
        if (x + 2 < w) sums[0][2]! += v * (data[row + x + 2]! - mean);
        if (y + 1 < h) sums[1][1]! += v * (data[row + w + x]! - mean);
        if (y + 2 < h) sums[1][2]! += v * (data[row + 2 * w + x]! - mean);
      }
    }
  }
  const pairs = (lagX: number, lagY: number): number => sections * (h - lagY) * (w - lagX);
  const a0 = sums[0][0]! / pairs(0, 0);
  const ax = [a0, sums[0][1]! / pairs(1, 0), sums[0][2]! / pairs(2, 0)] as const;
  const ay = [a0, sums[1][1]! / pairs(0, 1), sums[1][2]! / pairs(0, 2)] as const;
  const both = [a0, (ax[1] + ay[1]) / 2, (ax[2] + ay[2]) / 2] as const;
  const snrOf = (acf: readonly [number, number, number]): number => {
    const [peak, a1, a2] = acf;
    const signal =
      extrapolation === 'nearest' ? a1 : extrapolation === 'linear' ? 2 * a1 - a2 : (4 * a1 - a2) / 3;
    const noise = peak - signal;
    return noise > 0 ? signal / noise : peak > 0 ? Infinity : Number.NaN;
  };
  return { snr: snrOf(both), snrX: snrOf(ax), snrY: snrOf(ay) };
}
