/**
 * Localisation microscopy tables (ThunderSTORM and the like): reading, drift from the
 * localisations themselves (RCC over rendered time bins), and the corrected table.
 */
export { chooseLocalisationBinning } from './choose-binning.js';
export { correctLocalisations, formatLike, type FrameDrift } from './correct-localisations.js';
export { splitCsvLine, detectDelimiter, type CsvField } from './csv-fields.js';
export {
  localisationDrift,
  type LocalisationDrift,
  type LocalisationDriftOptions,
  type Localisations,
} from './localisation-drift.js';
export {
  parseLocalisations,
  THUNDERSTORM_COLUMNS,
  type LocalisationColumns,
  type LocalisationTable,
  type ParseLocalisationsOptions,
} from './parse-localisations.js';
export { renderGrid, renderLocalisations, type RenderGrid } from './render-localisations.js';
