/**
 * Tiles for the pipeline (pure, no IO): planning overlapping 2D blocks / 3D bricks, cutting them
 * out, measuring their signal and registering one tile pair. Axis order (z,) y, x throughout.
 */
export { correlationPeakRatio } from './correlation-peak-ratio.js';
export { extractRegion, type Region } from './extract-region.js';
export { planTiles, type PlanTilesOptions, type TileRegion } from './plan-tiles.js';
export {
  offsetRegion,
  predictionFactors,
  predictShift,
  PREDICTION_SAMPLES,
  type PredictedShift,
} from './predict-shift.js';
export {
  prepareReferenceTile,
  registerTile,
  type PreparedReferenceTile,
  type RegisterTileParams,
  type TileRegistration,
} from './register-tile.js';
export { DEFAULT_MIN_TILE_SIGNAL, isInformative, tileSignal, type TileSignal } from './tile-signal.js';
export { TileSignalWorkspace } from './tile-signal-workspace.js';
export { TileWorkspace } from './tile-workspace.js';
export {
  sectionPairTransform,
  type SectionPairTransformOptions,
  type SectionPairTransformResult,
} from './section-pair-transform.js';
export { alignStack, type AlignStackOptions, type AlignedStack } from './align-stack.js';
