import { describe, expect, it } from 'vitest';
import { normalizedCrossCorrelation } from '../../shared/aggregation/ncc.js';
import {
  fourierRingCorrelation,
  mutualInformation,
  normalizedSumOfAbsoluteDifferences,
  singleImageSnr,
  snrFromCorrelation,
} from '../../shared/quality-metrics/index.js';
import { loadQualityCases, loadQualityImage } from './load-quality-fixtures.js';

const relative = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.abs(expected);

describe.each(loadQualityCases())('quality metrics against numpy: $id', (c) => {
  const a = loadQualityImage(c.a);
  const b = loadQualityImage(c.b);
  const n = c.numpy;

  it('ncc, two-image snr and nsad', () => {
    const ncc = normalizedCrossCorrelation(a, b);
    expect(ncc).toBeCloseTo(n.ncc, 12);
    expect(relative(snrFromCorrelation(ncc), n.snr)).toBeLessThan(1e-9);
    expect(normalizedSumOfAbsoluteDifferences(a, b)).toBeCloseTo(n.nsad, 12);
  });

  it('mutual information with 256 and 2048 bins (numpy histogram2d binning)', () => {
    for (const expected of n.mi) {
      const got = mutualInformation(a, b, { bins: expected.bins });
      expect(got.mi).toBeCloseTo(expected.mi, 10);
      expect(got.nmi).toBeCloseTo(expected.nmi, 10);
    }
  });

  it('Fourier ring (shell) correlation, without a window and with a Tukey window', () => {
    for (const [window, expected] of [
      ['none', n.frc.none],
      ['tukey', n.frc['tukey0.25']],
    ] as const) {
      const got = fourierRingCorrelation(a, b, {
        window: window === 'tukey' ? { type: 'tukey', alpha: 0.25 } : window,
      });
      expect(got.frequency).toEqual(expected.frequency);
      expect(got.pixels).toEqual(expected.pixels);
      // Our spectra are float32 (PFFFT), numpy's float64.
      const worst = Math.max(...got.correlation.map((v, k) => Math.abs(v - expected.correlation[k]!)));
      expect(worst).toBeLessThan(2e-5);
    }
  });

  it('single-image SNR along x, y and both, for every extrapolation', () => {
    for (const [image, expected] of [
      [a, n.single.a],
      [b, n.single.b],
    ] as const) {
      for (const extrapolation of ['nearest', 'linear', 'parabolic'] as const) {
        const got = singleImageSnr(image, { extrapolation });
        const want = expected[extrapolation];
        expect(relative(got.snr, want.snr)).toBeLessThan(1e-9);
        expect(relative(got.snrX, want.snrX)).toBeLessThan(1e-9);
        expect(relative(got.snrY, want.snrY)).toBeLessThan(1e-9);
      }
    }
  });
});
