import type { StitchResult } from './stitch-result.js';

/**
 * `positions.csv`: one row per tile, its registered and nominal top-left corners (pixels), status
 * ('registered' or 'stage': kept at its stage position) and accepted edges.
 */
export function positionsCsv(result: StitchResult): string {
  const rows = result.tiles.map((t) =>
    [
      csvField(t.name),
      t.x.toFixed(3),
      t.y.toFixed(3),
      t.nominalX.toFixed(3),
      t.nominalY.toFixed(3),
      t.status,
      t.edges,
    ].join(','),
  );
  return `file,x,y,nominal_x,nominal_y,status,edges\n${rows.join('\n')}\n`;
}

/** `positions.json`: the whole result, non-finite numbers as null. */
export function positionsJson(result: StitchResult): string {
  return `${JSON.stringify(
    {
      tileWidth: result.width,
      tileHeight: result.height,
      nccThreshold: result.threshold.threshold,
      alpha: result.threshold.alpha,
      nullNccs: result.threshold.nulls,
      tiles: result.tiles,
      edges: result.edges.map((e) => ({
        ...e,
        tileI: result.tiles[e.i]!.name,
        tileJ: result.tiles[e.j]!.name,
      })),
      stageModel: result.stage,
    },
    (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  )}\n`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
