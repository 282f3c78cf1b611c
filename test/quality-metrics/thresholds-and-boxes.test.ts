import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import {
  commonBox,
  cropToBox,
  frcCrossing,
  halfBitThreshold,
  mutualInformation,
  normalizedSumOfAbsoluteDifferences,
  pairQuality,
  parseEvaluationBox,
  sectionQuality,
  singleImageSnr,
  snrFromCorrelation,
} from '../../shared/quality-metrics/index.js';
import { loadQualityCases, loadQualityImage } from './load-quality-fixtures.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    return isMetdbError(error) ? error.code : 'other';
  }
  return undefined;
};

describe('FRC thresholds and crossings', () => {
  it('half-bit: 1 for a ring of one pixel, falling towards 0.2071 / 1.2071 for large rings', () => {
    expect(halfBitThreshold(1)).toBeCloseTo(1, 12);
    expect(halfBitThreshold(1e12)).toBeCloseTo(0.2071 / 1.2071, 5);
    // van Heel and Schatz's eq. 17 written out for n = 100.
    expect(halfBitThreshold(100)).toBeCloseTo((0.2071 + 0.19102) / (1.2071 + 0.09102), 12);
    expect(halfBitThreshold(0)).toBeNaN();
  });

  it('interpolates the first crossing linearly, skips NaN rings, and says when the curve never crosses', () => {
    const f = [0.1, 0.2, 0.3, 0.4];
    expect(frcCrossing(f, [0.9, 0.5, 0.1, 0.05], 0.3)).toEqual({ frequency: 0.25, reached: true });
    expect(frcCrossing(f, [0.9, Number.NaN, 0.1, 0.5], 0.3)!.frequency).toBeCloseTo(
      0.1 + 0.2 * (0.6 / 0.8),
      12,
    );
    expect(frcCrossing(f, [0.9, 0.8, 0.7, 0.6], 0.3)).toEqual({ frequency: 0.4, reached: false });
    // Below the threshold at the first ring: between frequency 0 (taken as 1) and the first ring.
    expect(frcCrossing(f, [0.1, 0.9, 0.9, 0.9], 0.5)!.frequency).toBeCloseTo(0.1 * (0.5 / 0.9), 12);
    expect(frcCrossing([], [], 0.3)).toBeUndefined();
  });
});

describe('evaluation box', () => {
  it('parses x,y,w,h and rejects anything else', () => {
    expect(parseEvaluationBox('3, 4,50,60')).toEqual({ x: 3, y: 4, width: 50, height: 60 });
    for (const bad of ['1,2,3', '1,2,3,4,5', '1,2,x,4', '1.5,2,3,4', '']) {
      expect(
        codeOf(() => parseEvaluationBox(bad)),
        bad,
      ).toBe('invalid-argument');
    }
  });

  it('is the common area by default, and must lie inside both images', () => {
    expect(commonBox([40, 50], [45, 30])).toEqual({ x: 0, y: 0, width: 30, height: 40 });
    expect(codeOf(() => commonBox([40, 50], [40, 50], { x: 10, y: 0, width: 41, height: 10 }))).toBe(
      'invalid-argument',
    );
    expect(codeOf(() => commonBox([3, 40, 50], [4, 40, 50]))).toBe('shape-mismatch');
    expect(codeOf(() => commonBox([40], [40]))).toBe('shape-mismatch');
  });

  it('crops every section of a stack, and the metrics of a crop equal those of the box', () => {
    const c = loadQualityCases()[0]!;
    const [a, b] = [loadQualityImage(c.a), loadQualityImage(c.b)];
    const box = { x: 20, y: 10, width: 64, height: 48 };
    const boxed = pairQuality(a, b, { box, bins: 256 });
    const cropped = pairQuality(cropToBox(a, box), cropToBox(b, box), { bins: 256 });
    expect(boxed.ncc).toBe(cropped.ncc);
    expect(boxed.mi).toEqual(cropped.mi);
    expect(boxed.frc.correlation).toEqual(cropped.frc.correlation);
    const stack = ndarray(
      Float64Array.from({ length: 2 * 4 * 5 }, (_, i) => i),
      [2, 4, 5],
    );
    expect(Array.from(cropToBox(stack, { x: 1, y: 2, width: 2, height: 2 }).data)).toEqual([
      11, 12, 16, 17, 31, 32, 36, 37,
    ]);
  });
});

describe('degenerate inputs', () => {
  const flat = ndarray(new Float64Array(64).fill(7), [8, 8]);
  const ramp = ndarray(
    Float64Array.from({ length: 64 }, (_, i) => i),
    [8, 8],
  );

  it('constant images give NaN, not a number that looks like a result', () => {
    expect(normalizedSumOfAbsoluteDifferences(flat, flat)).toBeNaN();
    expect(mutualInformation(flat, flat).nmi).toBeNaN();
    expect(mutualInformation(flat, ramp, { bins: 16 }).mi).toBeCloseTo(0, 12);
    expect(singleImageSnr(flat).snr).toBeNaN();
    expect(snrFromCorrelation(1)).toBe(Infinity);
    expect(snrFromCorrelation(Number.NaN)).toBeNaN();
  });

  it('bad shapes and options are errors with a code', () => {
    expect(
      codeOf(() => normalizedSumOfAbsoluteDifferences(flat, ndarray(new Float64Array(63), [7, 9]))),
    ).toBe('shape-mismatch');
    expect(codeOf(() => mutualInformation(flat, ramp, { bins: 1 }))).toBe('invalid-argument');
    expect(
      codeOf(() =>
        mutualInformation(
          ramp,
          ndarray(
            Float64Array.from(ramp.data, (v) => (v === 5 ? Infinity : v)),
            [8, 8],
          ),
        ),
      ),
    ).toBe('non-finite');
    expect(codeOf(() => singleImageSnr(ndarray(new Float64Array(4), [2, 2])))).toBe('invalid-argument');
    expect(codeOf(() => sectionQuality(ramp))).toBe('invalid-argument');
  });
});

describe('sectionQuality', () => {
  it('finds the one misregistered section of a stack of noisy copies', () => {
    const c = loadQualityCases()[0]!;
    const image = loadQualityImage(c.a);
    const [h, w] = image.shape as [number, number];
    const sections = 5;
    const data = new Float64Array(sections * h * w);
    for (let z = 0; z < sections; z++) {
      const dx = z === 3 ? 6 : 0; // section 3 is moved by 6 px
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const noise = Math.sin(12.9898 * (x + 1) + 78.233 * (y + 1) + 37.7 * z) * 43758.5453;
          data[(z * h + y) * w + x] =
            image.data[y * w + Math.min(w - 1, x + dx)]! + 10 * (noise - Math.floor(noise));
        }
      }
    }
    const table = sectionQuality(ndarray(data, [sections, h, w]), { bins: 256 });
    const ncc = table.sections.map((s) => s.ncc);
    // Pairs (2, 3) and (3, 4) involve the moved section.
    expect(Math.max(ncc[2]!, ncc[3]!)).toBeLessThan(Math.min(ncc[0]!, ncc[1]!) - 0.1);
    expect(Math.min(table.sections[2]!.nsad, table.sections[3]!.nsad)).toBeGreaterThan(
      Math.max(table.sections[0]!.nsad, table.sections[1]!.nsad),
    );
    const sorted = [...ncc].sort((p, q) => p - q);
    expect(table.summary.ncc.mean).toBeCloseTo(ncc.reduce((s, v) => s + v, 0) / 4, 12);
    expect(table.summary.ncc.median).toBeCloseTo((sorted[1]! + sorted[2]!) / 2, 12);
  });
});
