import { cumulativeTransforms } from '../aggregation/cumulative-transforms.js';
import { fitSectionTransform, type SectionTransform } from '../aggregation/section-transform.js';
import { MetdbError } from '../errors/metdb-error.js';
import type { TileResultRow } from '../records/database-schema.js';
import type { SolvedSection } from '../records/section-matrices-repository.js';
import type { SolvedFrame } from '../records/series-repository.js';
import { applyMatrix } from '../registration/similarity/transform-matrix.js';
import type { JobParams } from './dataset-settings.js';
import type { SectionChain } from './section-chain.js';
import { seriesLayout, type SeriesJob } from './series-job.js';

/** A stack of sections solved: the series' rows (`SeriesSolution`) and each section's matrices. */
export interface SectionSeriesSolution {
  readonly trajectory: Record<string, unknown>;
  readonly frames: SolvedFrame[];
  readonly pairsFailed: number;
  readonly sections: SolvedSection[];
}

/**
 * Solves a series job of sections (`series.sections`: the fan-in of `metdb align`'s work): per
 * pair of consecutive sections, its usable tiles (registered, weight > 0) in tile order give point
 * pairs, the tile centre u of section k matched with u + shift in section k - 1, and
 * `fitSectionTransform` fits the model to them, outliers out; the steps are chained onto section 0
 * (`cumulativeTransforms`, smoothed and detrended as the chain says). The same points, fit and
 * chain as `alignStack`, so the same matrices. A step with too little evidence for its model is a
 * shift (or, with no usable tile, the identity), flagged: its section is `low`, bridged, and says
 * why. Each frame's drift is minus the shift its matrix gives the frame's centre. Pure: no IO.
 *
 * @throws MetdbError 'insufficient-data' when no pair of sections has a usable tile
 */
export function solveSectionSeries(
  tiles: readonly TileResultRow[],
  params: JobParams & { series: SeriesJob & { sections: SectionChain } },
  file: string,
): SectionSeriesSolution {
  const { series } = params;
  const { sections: chain } = series;
  const layout = seriesLayout(series, params);
  const perPair = layout.tiles.length;
  const byUnit = new Map(tiles.map((t) => [t.tile_index, t]));
  const steps = layout.pairs.map((_, p) => {
    const points = { ux: [] as number[], uy: [] as number[], vx: [] as number[], vy: [] as number[] };
    const weight: number[] = [];
    for (const tile of layout.tiles) {
      const t = byUnit.get(p * perPair + tile.index);
      if (t === undefined || t.skipped || !((t.weight ?? 0) > 0)) continue;
      const [dy, dx] = [t.shift_y ?? Number.NaN, t.shift_x ?? Number.NaN];
      if (!Number.isFinite(dy) || !Number.isFinite(dx)) continue;
      const [cy, cx] = [(tile.size[0]! - 1) / 2, (tile.size[1]! - 1) / 2];
      points.ux.push(tile.start[1]! + cx);
      points.uy.push(tile.start[0]! + cy);
      points.vx.push(tile.start[1]! + cx + dx);
      points.vy.push(tile.start[0]! + cy + dy);
      weight.push(t.weight!);
    }
    const fit: SectionTransform = fitSectionTransform({ ...points, weight }, chain.model, {
      lambda: chain.lambda,
    });
    return { ...fit, tiles: weight.length };
  });
  if (steps.every((s) => s.tiles === 0)) {
    throw new MetdbError(
      'insufficient-data',
      `none of the ${layout.pairs.length} pairs of sections had a usable tile`,
    );
  }
  const transforms = cumulativeTransforms(steps, chain.chain);
  const [h, w] = series.frameShape as [number, number];
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  const solved: SolvedSection[] = transforms.map((matrix, k) => {
    const step = k === 0 ? undefined : steps[k - 1]!;
    return {
      matrix,
      step: step?.matrix ?? null,
      model: step?.model ?? null,
      tiles: step?.tiles ?? null,
      inliers: step?.inliers ?? null,
      residualRms: step === undefined || !Number.isFinite(step.residualRms) ? null : step.residualRms,
      flagged: step?.flagged ?? null,
    };
  });
  const frames: SolvedFrame[] = transforms.map((matrix, k) => {
    const [x, y] = applyMatrix(matrix, cx, cy);
    const drift = [cy - y, cx - x].map((v) => v + 0);
    return { drift, error: [Number.NaN, Number.NaN], quality: solved[k]!.flagged === null ? 'good' : 'low' };
  });
  const flagged = solved.flatMap((s, section) =>
    s.flagged === null ? [] : [{ section, flagged: s.flagged }],
  );
  // The verdicts as judgeSeries records them: per frame, and on the stack as a whole.
  const frameReasons = solved.map((s) =>
    s.flagged === null
      ? []
      : [
          `bridged: its step had ${s.flagged} (${s.flagged === 'no-points' ? 'the identity' : 'fitted as a shift'})`,
        ],
  );
  const bridged = `${flagged.length} of ${steps.length} steps bridged (sections ${flagged.map((f) => f.section).join(', ')})`;
  const trajectory = {
    mode: 'consecutive',
    referenceFrame: 0,
    files: [file],
    model: chain.model,
    lambda: chain.lambda,
    chain: chain.chain,
    outputFrame: chain.outputFrame,
    flagged,
    frameQuality: frames.map((f) => f.quality),
    frameReasons,
    quality: flagged.length === 0 ? 'good' : 'low',
    qualityReasons: flagged.length === 0 ? [] : [bridged],
  };
  return {
    trajectory,
    frames,
    pairsFailed: steps.filter((s) => s.tiles === 0).length,
    sections: solved,
  };
}
