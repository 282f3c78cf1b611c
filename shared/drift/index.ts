/** Writers of a drift trajectory: drift.csv and drift.json (series in pixels, localisations in nm). */
export { localisationDriftCsv, seriesDriftCsv, type DriftTable } from './drift-csv.js';
export { localisationDriftJson, seriesDriftJson, type SeriesDriftJsonSettings } from './drift-json.js';
export { applyDrift, type ApplyDriftOptions } from './apply-drift.js';
export { parseDriftFile } from './parse-drift-file.js';
