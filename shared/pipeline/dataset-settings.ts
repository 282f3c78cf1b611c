import { z } from 'zod';
import { MetdbError } from '../errors/metdb-error.js';
import {
  RegistrationParamsPatchSchema,
  type RegistrationParams,
  type RegistrationParamsPatch,
} from '../messages/registration-params.js';
import { SeriesSettingsSchema } from '../messages/series-settings.js';
import { StackAlignmentSettingsSchema } from '../messages/stack-alignment-settings.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { SeriesJob } from './series-job.js';
import { DEFAULT_WINDOW } from '../registration/preprocess/window-option.js';
import { DEFAULT_MIN_TILE_SIGNAL } from '../tiling/tile-signal.js';
import { StitchSettingsSchema } from './stitch-settings.js';

/** The name of a dataset's optional settings file, in the dataset's folder of the upload bucket. */
export const SETTINGS_FILE = 'metdb.json';

/**
 * `<dataset>/metdb.json`: any subset of the registration parameters (`upsampleFactor`,
 * `normalization`, `preprocessing`, `minTileSignal`, `channel`, `tileSize`, `tileOverlap`, as in a
 * reprocess message) plus `reference`, the object name (relative to the dataset folder) of the
 * reference image or `"middle"`, `stitch` (a mosaic, stitch-settings.ts), and the series
 * settings (`series`, `rccWindow`, `binFrames`, `interpolation`, `stackAxis`:
 * `SeriesSettingsSchema`), and how a stack of sections is chained and written, by `metdb align`
 * and, with an affine `model`, by the pipeline (`preserveScales`, `fitParams`,
 * `subtractLinearFit`, `outputFrame`: `StackAlignmentSettingsSchema`, section-chain.ts). Unknown
 * keys are rejected.
 */
export const DatasetSettingsSchema = z.strictObject({
  ...RegistrationParamsPatchSchema.shape,
  ...SeriesSettingsSchema.shape,
  ...StackAlignmentSettingsSchema.shape,
  /**
   * Reference image, relative to the dataset folder (`frame_00.tif`), or `"middle"`: the middle
   * image file of the folder (`middleImageFile`). @default the first image by object name
   */
  reference: z.string().min(1).max(1024).optional(),
  /** The dataset is a mosaic to stitch (stitch-settings.ts). @default none */
  stitch: StitchSettingsSchema.optional(),
});
export type DatasetSettings = z.output<typeof DatasetSettingsSchema>;

/** Parameters of one registration job: what every tile message carries, plus the tiling. */
export interface JobParams extends RegistrationParams {
  /** Tile edge, pixels, one number for all axes or one per axis ((z,) y, x). */
  tileSize: number | number[];
  /** Overlap of neighbouring tiles, fraction of the tile edge. */
  tileOverlap: number;
  /** A series job's settings and frames (see series-job.ts); absent for a pair of images. */
  series?: SeriesJob;
}

/**
 * The defaults: tile 256 px (2D) or 64 px (3D), overlap 0.25, upsample factor 100, phase
 * normalisation, a Tukey window (alpha 0.5) and no other preprocessing, channel 0, tiles whose
 * `tileSignal` is below 10 skipped.
 */
export function defaultJobParams(ndim: number): JobParams {
  return {
    upsampleFactor: 100,
    normalization: 'phase',
    preprocessing: { dtype: 'float64', window: { ...DEFAULT_WINDOW } },
    minTileSignal: DEFAULT_MIN_TILE_SIGNAL,
    channel: 0,
    tileSize: ndim >= 3 ? 64 : 256,
    tileOverlap: 0.25,
  };
}

/**
 * Defaults, then the dataset's settings, then a request's parameters (later wins, field by field;
 * `preprocessing` merges step by step).
 */
export function resolveJobParams(
  ndim: number,
  ...patches: (RegistrationParamsPatch | undefined)[]
): JobParams {
  const params = defaultJobParams(ndim);
  for (const patch of patches) {
    if (patch === undefined) continue;
    const { preprocessing, ...rest } = patch;
    for (const [key, value] of Object.entries(rest)) {
      // Only registration parameters: the reference, `stitch` and the series settings are not a tile's.
      if (value !== undefined && key in RegistrationParamsPatchSchema.shape)
        (params as unknown as Record<string, unknown>)[key] = value;
    }
    if (preprocessing !== undefined) params.preprocessing = { ...params.preprocessing, ...preprocessing };
  }
  return params;
}

/** The registration parameters of a tile message (the job's parameters without the tiling). */
export function tileParamsOf(params: JobParams): RegistrationParams {
  const { tileSize: _size, tileOverlap: _overlap, series: _series, ...rest } = params;
  return rest;
}

/**
 * Reads `<datasetName>/metdb.json` from the upload bucket: `{}` when absent; a permanent
 * `MetdbError('invalid-value')` naming the file and the problem when it is not valid JSON or not
 * valid settings.
 */
export async function loadDatasetSettings(uploads: BlobStore, datasetName: string): Promise<DatasetSettings> {
  const key = `${datasetName}/${SETTINGS_FILE}`;
  const bytes = await uploads.get(key);
  if (bytes === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new MetdbError('invalid-value', `${key}: not JSON`, { details: { key }, cause: error });
  }
  const result = DatasetSettingsSchema.safeParse(json);
  if (result.success) return result.data;
  const summary = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new MetdbError('invalid-value', `${key}: ${summary.join('; ')}`, {
    details: { key, issues: summary },
    cause: result.error,
  });
}
