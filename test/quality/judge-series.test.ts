import { describe, expect, it } from 'vitest';
import { binnedDrift } from '../../shared/aggregation/binned-drift.js';
import type { PairShift } from '../../shared/aggregation/redundant-cross-correlation.js';
import { seriesPairs } from '../../shared/aggregation/series-pairs.js';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { judgeSeries, type SeriesPairEvidence } from '../../shared/quality/judge-series.js';

const bins = (n: number) => Array.from({ length: n }, (_, k) => ({ start: k, end: k + 1 }));
const zeros = (n: number) => Array.from({ length: n }, () => [0.02, 0.02]);

function evidence(n: number, pairs: SeriesPairEvidence[]) {
  return { bins: bins(n), pairs, bridged: [], errors: zeros(n), maxResidual: 0.5, referenceFrame: 0 };
}

function rcc(n: number, rejected: (i: number, j: number) => boolean = () => false): SeriesPairEvidence[] {
  return seriesPairs(n, 'rcc', { window: 10 }).map(([i, j]) => ({
    i,
    j,
    aboveChance: true,
    failed: false,
    rejected: rejected(i, j),
  }));
}

describe('judgeSeries', () => {
  it('a drift series whose pairs agree is good, frame by frame and as a whole', () => {
    const v = judgeSeries(evidence(30, rcc(30)));
    expect(v.series).toEqual({ quality: 'good', reasons: [] });
    expect(v.frames.every((f) => f.quality === 'good')).toBe(true);
  });

  it('a stray false peak is what the chance level allows; pairs that keep disagreeing are not', () => {
    // One disagreeing pair among 245 above chance: within the 1 % of false peaks.
    const one = judgeSeries(
      evidence(
        30,
        rcc(30, (i, j) => i === 3 && j === 9),
      ),
    );
    expect(one.series.quality).toBe('good');
    expect(one.frames.every((f) => f.quality === 'good')).toBe(true);
    // Frame 12 disagrees with most of its partners; the trajectory stays trustworthy elsewhere.
    const frame = judgeSeries(
      evidence(
        30,
        rcc(30, (i, j) => (i === 12 || j === 12) && (i + j) % 2 === 0),
      ),
    );
    expect(frame.frames[12]!.quality).toBe('low');
    expect(frame.frames[12]!.reasons[0]).toMatch(/^pairs-disagree: 10 of its 20 pairs above chance/);
    expect(frame.series.quality).toBe('low');
    // Disagreement spread thinly: at most 2 pairs a frame, no frame beyond what false peaks explain.
    const thin = judgeSeries(
      evidence(
        30,
        rcc(30, (i, j) => j - i === 5 && i % 2 === 0),
      ),
    );
    expect(thin.frames.every((f) => f.quality === 'good')).toBe(true);
    expect(thin.series.quality).toBe('failed');
    expect(thin.series.reasons[0]).toMatch(
      /^pairs-disagree: 13 of the other frames' 245 pairs .*not trustworthy$/,
    );
    // Content that moves: a third of the pairs off the trajectory, every frame low.
    const moving = judgeSeries(
      evidence(
        30,
        rcc(30, (i, j) => (i * 7 + j) % 3 === 0),
      ),
    );
    expect(moving.series.quality).toBe('failed');
    expect(moving.series.reasons).toEqual([
      'frames-low: 29 of 30 frames are low, the trajectory is not trustworthy',
    ]);
  });

  it('pairs at chance, bridged frames and imprecise drift make a frame low', () => {
    const pairs = rcc(12).map((p) => (p.i === 5 || p.j === 5 ? { ...p, aboveChance: false } : p));
    const errors = zeros(12);
    errors[8] = [0.7, 0.1];
    const v = judgeSeries({ ...evidence(12, pairs), bridged: [3], errors });
    expect(v.frames[5]!.reasons[0]).toMatch(/^pairs-at-chance: none of its 11 pairs/);
    expect(v.frames[3]!.reasons).toEqual([
      "bridged: none of the frame's pairs gave a usable shift; its drift is interpolated",
    ]);
    expect(v.frames[8]!.reasons).toEqual(['imprecise: drift error 0.70 px exceeds 0.5 px']);
    expect(v.frames.filter((f) => f.quality === 'low')).toHaveLength(3);
    expect(v.series).toEqual({ quality: 'low', reasons: ['frames-low: 3 of 12 frames are low'] });
  });
});

describe('binnedDrift bridges frames no usable pair reaches', () => {
  const truth = (k: number) => [0.3 * k, -0.2 * k + 0.01 * k * k];
  const pair = (i: number, j: number, weight = 1): PairShift => ({
    i,
    j,
    shift: truth(i).map((v, a) => v - truth(j)[a]!),
    weight,
  });

  it('reference mode: a frame whose pair failed is interpolated and listed, the others solved', () => {
    const pairs = seriesPairs(10, 'reference').flatMap(([i, j]) => (j === 4 ? [] : [pair(i, j)]));
    const r = binnedDrift(pairs, bins(10), [...Array(10).keys()], { interpolation: 'linear' });
    expect(r.bridged).toEqual([4]);
    r.drift.forEach((d, k) => {
      const expected = k === 4 ? truth(3).map((v, a) => (v + truth(5)[a]!) / 2) : truth(k);
      d.forEach((v, a) => expect(v).toBeCloseTo(expected[a]!, 9));
    });
    expect(r.errors[4]!.every(Number.isNaN)).toBe(true);
    expect(r.solve.residuals).toHaveLength(pairs.length);
  });

  it('the largest connected group is solved when the reference frame is cut off; none at all is an error', () => {
    const pairs = seriesPairs(8, 'consecutive').map(([i, j]) => pair(i, j, i === 0 ? 0 : 1));
    const r = binnedDrift(pairs, bins(8), [...Array(8).keys()], { interpolation: 'linear' });
    expect(r.bridged).toEqual([0]);
    expect(r.drift[0]).toEqual([0, 0]);
    // Relative positions of the solved frames are kept.
    r.drift
      .slice(1)
      .forEach((d, k) =>
        d.forEach((v, a) => expect(v - r.drift[1]![a]!).toBeCloseTo(truth(k + 1)[a]! - truth(1)[a]!, 9)),
      );
    let error: unknown;
    try {
      binnedDrift(
        pairs.map((p) => ({ ...p, weight: 0 })),
        bins(8),
        [0],
      );
    } catch (e) {
      error = e;
    }
    expect(isMetdbError(error, 'insufficient-data')).toBe(true);
  });
});
