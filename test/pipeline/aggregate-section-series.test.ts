import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { solveSectionSeries } from '../../shared/pipeline/aggregate-section-series.js';
import { solveSeries } from '../../shared/pipeline/aggregate-series.js';
import { defaultJobParams, type JobParams } from '../../shared/pipeline/dataset-settings.js';
import type { SectionChain } from '../../shared/pipeline/section-chain.js';
import { seriesLayout, type SeriesJob } from '../../shared/pipeline/series-job.js';
import type { TileResultRow } from '../../shared/records/database-schema.js';
import {
  applyMatrix,
  multiplyMatrices,
  type Matrix3,
} from '../../shared/registration/similarity/transform-matrix.js';

// Tile rows as the tile workers record them, from known steps: the shift of each tile is where
// the step puts its centre, minus the centre. Some tiles skipped to starve a step of evidence.
const chain: SectionChain = { model: 'affine', lambda: 0.1, chain: {}, outputFrame: 'first' };
const series: SeriesJob & { sections: SectionChain } = {
  mode: 'consecutive',
  rccWindow: 10,
  binFrames: 1,
  interpolation: 'linear',
  frames: 4,
  frameShape: [256, 320],
  referenceFrame: 0,
  sections: chain,
};
const params: JobParams & { series: typeof series } = {
  ...defaultJobParams(2),
  tileSize: 64,
  tileOverlap: 0,
  series,
};
const step: Matrix3 = [
  [1.003, 0.002, 1.5],
  [-0.001, 0.998, -0.75],
  [0, 0, 1],
];

function tileRows(usable: (pair: number, tile: number) => boolean): TileResultRow[] {
  const layout = seriesLayout(series, params);
  return layout.pairs.flatMap((_, p) =>
    layout.tiles.map((t): TileResultRow => {
      const [cy, cx] = [t.start[0]! + (t.size[0]! - 1) / 2, t.start[1]! + (t.size[1]! - 1) / 2];
      const [x, y] = applyMatrix(step, cx, cy);
      const ok = usable(p, t.index);
      return {
        job_id: 'job',
        tile_index: p * layout.tiles.length + t.index,
        region: { start: [...t.start], size: [...t.size] },
        shift_z: null,
        shift_y: ok ? y - cy : null,
        shift_x: ok ? x - cx : null,
        peak: null,
        error: null,
        weight: ok ? 5 : 0,
        skipped: !ok,
        skip_reason: ok ? null : 'low signal',
        duration_ms: 1,
        created_at: '2026-12-06T00:00:00.000Z',
        quality: ok ? 'good' : null,
      };
    }),
  );
}

describe('solveSectionSeries', () => {
  it('fits each step, chains them onto section 0, and flags and bridges starved steps', () => {
    // Pair 1 (sections 1 -> 2) keeps 3 tiles: a shift, flagged; pair 2 none: the identity, flagged.
    const solved = solveSectionSeries(
      tileRows((p, t) => p === 0 || (p === 1 && t < 3)),
      params,
      'stack.mrc',
    );
    expect(solved.sections.map((s) => s.flagged)).toEqual([null, null, 'too-few-points', 'no-points']);
    expect(solved.frames.map((f) => f.quality)).toEqual(['good', 'good', 'low', 'low']);
    solved.sections[1]!.matrix.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(step[i]![j]!, 9)),
    );
    const shifted = solved.sections[2]!.step!;
    expect([shifted[0][0], shifted[0][1], shifted[1][0], shifted[1][1]]).toEqual([1, 0, 0, 1]);
    expect(solved.sections[2]!.model).toBe('translation');
    expect(solved.sections[3]!.step).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    // Bridged, not dropped: section 3 carries section 2's transform onto section 0.
    expect(solved.sections[3]!.matrix).toEqual(
      multiplyMatrices(solved.sections[2]!.matrix, solved.sections[3]!.step!),
    );
    expect(solved.trajectory).toMatchObject({
      model: 'affine',
      flagged: [
        { section: 2, flagged: 'too-few-points' },
        { section: 3, flagged: 'no-points' },
      ],
      quality: 'low',
      qualityReasons: ['2 of 3 steps bridged (sections 2, 3)'],
    });
    expect(solved.pairsFailed).toBe(1);
  });

  it('is what solveSeries gives a series job of sections', () => {
    const rows = tileRows(() => true);
    expect(solveSeries(rows, params, 'stack.mrc')).toEqual(solveSectionSeries(rows, params, 'stack.mrc'));
  });

  it('fails with insufficient-data when no pair has a usable tile', () => {
    let caught: unknown;
    try {
      solveSectionSeries(
        tileRows(() => false),
        params,
        'stack.mrc',
      );
    } catch (error) {
      caught = error;
    }
    expect(isMetdbError(caught, 'insufficient-data')).toBe(true);
  });
});
