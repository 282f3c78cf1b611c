/**
 * Mosaic stitching (issue 21, docs/stitching.md): layouts (Fiji's TileConfiguration, grids, OME
 * stage positions), `stitchTiles` (every step at once), and its steps for those who fan them out
 * (`planMosaic`, `registerEdge`, `solveMosaic`) and fuse (`fuseMosaic`). Positions are the tiles'
 * top-left corners in pixels, x right, y down.
 */
export { stitchTiles, type StitchTilesOptions } from './stitch-tiles.js';
export type { EdgeStatus, StitchEdge, StitchedTile, StitchResult } from './stitch-result.js';
export type { TileLayout, TilePosition } from './tile-layout.js';
export { parseTileConfiguration } from './parse-tile-configuration.js';
export { formatTileConfiguration } from './format-tile-configuration.js';
export { gridLayout, type GridLayoutOptions, type GridOrder } from './grid-layout.js';
export { parseGridSource, type GridOption, type GridSource, type LayoutSource } from './layout-source.js';
export { omeStagePosition } from './ome-stage-position.js';
export { planMosaic, type MosaicPlan, type PlanMosaicOptions } from './plan-mosaic.js';
export { registerEdge, type EdgeMeasurement, type RegisterEdgeOptions } from './register-edge.js';
export { solveMosaic, type SolveMosaicOptions, type StageSearch } from './solve-mosaic.js';
export { fuseMosaic, type FusedMosaic, type FuseMosaicOptions } from './fuse-mosaic.js';
export { positionsCsv, positionsJson } from './positions-table.js';
