import type { StitchResult } from './stitch-result.js';

/** The tiles' pixel size in micrometres (x, y), when the tiles state it. */
export interface PixelSizeUm {
  readonly x: number;
  readonly y: number;
}

/**
 * `positions.csv`: one row per tile, its registered and nominal top-left corners (pixels), status
 * ('registered' or 'stage': kept at its stage position) and accepted edges; with the pixel size,
 * the corners in micrometres too (`x_um,y_um,nominal_x_um,nominal_y_um`).
 */
export function positionsCsv(result: StitchResult, pixelSizeUm?: PixelSizeUm | null): string {
  const um = pixelSizeUm ?? undefined;
  const rows = result.tiles.map((t) =>
    [
      csvField(t.name),
      t.x.toFixed(3),
      t.y.toFixed(3),
      t.nominalX.toFixed(3),
      t.nominalY.toFixed(3),
      t.status,
      t.edges,
      ...(um === undefined
        ? []
        : [t.x * um.x, t.y * um.y, t.nominalX * um.x, t.nominalY * um.y].map((v) => v.toFixed(6))),
    ].join(','),
  );
  const header = `file,x,y,nominal_x,nominal_y,status,edges${um === undefined ? '' : ',x_um,y_um,nominal_x_um,nominal_y_um'}`;
  return `${header}\n${rows.join('\n')}\n`;
}

/**
 * `positions.json`: the whole result, non-finite numbers as null, positions in pixels, with
 * `pixelSizeUm` ({ x, y } or null) to convert them.
 */
export function positionsJson(result: StitchResult, pixelSizeUm?: PixelSizeUm | null): string {
  return `${JSON.stringify(
    {
      pixelSizeUm: pixelSizeUm ?? null,
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
