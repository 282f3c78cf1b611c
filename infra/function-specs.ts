import type { FunctionName } from './config.js';
import type { ResultsCreatePrefix } from './results-create-condition.js';

/** The topics of the pipeline (the dead-letter topic is separate, see `PipelineTopics`). */
export type TopicName = 'uploads' | 'tiles' | 'aggregate' | 'reprocess' | 'outputs' | 'edges' | 'mosaics';
export const TOPIC_NAMES: readonly TopicName[] = [
  'uploads',
  'tiles',
  'aggregate',
  'reprocess',
  'outputs',
  'edges',
  'mosaics',
];

/**
 * Access a function needs to one bucket: read objects; read them and create new ones (never
 * overwrite or delete: `objectCreator`); or read, overwrite and delete them (`objectAdmin`).
 */
export type BucketAccess = 'none' | 'read' | 'readCreate' | 'readWrite';

/** What one function is and what it may touch: the least-privilege table of the deployment. */
export interface FunctionSpec {
  readonly name: FunctionName;
  /** Short name for resource and service account ids (lowercase, dashes). */
  readonly slug: string;
  /** functions-framework target registered in `dist/functions/index.js`. */
  readonly entryPoint: FunctionName;
  /** The topic whose push subscription triggers the function. */
  readonly trigger: TopicName;
  /** Topics the function publishes to (`roles/pubsub.publisher` on each, nothing else). */
  readonly publishes: readonly TopicName[];
  readonly uploadBucket: BucketAccess;
  readonly resultsBucket: BucketAccess;
  /**
   * With `resultsBucket: 'readCreate'`: the only object names the function may create (an IAM
   * condition on its `objectCreator`, `resultsCreateCondition`), so that canonical images
   * (`datasets/`), output snapshots (`outputs/`) and mosaics (`outputs/<datasetId>/mosaics/`)
   * each have one writer.
   */
  readonly resultsCreatePrefix?: ResultsCreatePrefix;
  /**
   * Decoded images the function holds at once: its memory is sized from it and the pixel limit
   * (shared/pipeline/memory-budget.ts).
   */
  readonly imagesHeld: number;
  readonly description: string;
}

/**
 * The pipeline functions. Every one also gets `roles/cloudsql.client`, `roles/cloudsql.instanceUser`
 * (IAM database login) and `roles/logging.logWriter`, and a Cloud SQL IAM user.
 */
export const FUNCTION_SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  ingest: {
    name: 'ingest',
    slug: 'ingest',
    entryPoint: 'ingest',
    trigger: 'uploads',
    // Plans registration jobs once an image and its reference are present, and a mosaic's edges
    // once its layout and tiles are.
    publishes: ['tiles', 'edges'],
    // Reads the upload and its dataset's metdb.json; creates the canonical object
    // `datasets/<datasetId>/images/<imageId>.<ext>` in the results bucket (create-only: it is
    // written with ifGenerationMatch=0, never overwritten) and reads canonical images to plan.
    uploadBucket: 'read',
    resultsBucket: 'readCreate',
    resultsCreatePrefix: 'datasets/',
    imagesHeld: 2,
    description: 'Validates an upload, assigns its ID, records it and plans its registration',
  },
  registerTile: {
    name: 'registerTile',
    slug: 'register-tile',
    entryPoint: 'registerTile',
    trigger: 'tiles',
    // The caller that completes a job publishes its aggregation message.
    publishes: ['aggregate'],
    // Reads the two canonical images of its tile message.
    uploadBucket: 'none',
    resultsBucket: 'read',
    imagesHeld: 2,
    description: 'Registers one tile by phase correlation and records its shift',
  },
  aggregate: {
    name: 'aggregate',
    slug: 'aggregate',
    entryPoint: 'aggregate',
    trigger: 'aggregate',
    // Announces each settled job, so that the dataset's outputs get written.
    publishes: ['outputs'],
    // Reads the canonical images for NCC before and after; results go to Cloud SQL.
    uploadBucket: 'none',
    resultsBucket: 'read',
    // The reference, the moving image and the registered image.
    imagesHeld: 3,
    description: 'Solves one transform per image from its tile shifts and records it',
  },
  reprocess: {
    name: 'reprocess',
    slug: 'reprocess',
    entryPoint: 'reprocess',
    trigger: 'reprocess',
    publishes: ['tiles'],
    // Reads the dataset's metdb.json; plans from the records (no image reads).
    uploadBucket: 'read',
    resultsBucket: 'none',
    imagesHeld: 0,
    description: 'Plans new job versions of a dataset or images with new parameters',
  },
  publishOutputs: {
    name: 'publishOutputs',
    slug: 'publish-outputs',
    entryPoint: 'publishOutputs',
    trigger: 'outputs',
    publishes: [],
    // Reads canonical images; creates the output snapshots under
    // `outputs/<datasetId>/v<version>/r<revision>/`, create-only: the one writer there (not of
    // the mosaics beside them).
    uploadBucket: 'none',
    resultsBucket: 'readCreate',
    resultsCreatePrefix: 'outputs/',
    // writeOutputs keeps the dataset's frames for the stacked average and the OME-Zarr: sized for
    // four images at the pixel limit (8 uint16 frames of that size, each held as read and moved).
    imagesHeld: 4,
    description: "Writes a dataset's registered images, shift table and QC report to the results bucket",
  },
  stitchEdge: {
    name: 'stitchEdge',
    slug: 'stitch-edge',
    entryPoint: 'stitchEdge',
    trigger: 'edges',
    // The caller that completes a mosaic publishes its solve.
    publishes: ['mosaics'],
    // Reads the two canonical tiles of its edge message.
    uploadBucket: 'none',
    resultsBucket: 'read',
    imagesHeld: 2,
    description: 'Registers one edge of a mosaic on its expected overlap and records the offset',
  },
  stitchSolve: {
    name: 'stitchSolve',
    slug: 'stitch-solve',
    entryPoint: 'stitchSolve',
    trigger: 'mosaics',
    publishes: [],
    // Reads every tile (stage model search, fusion); creates the mosaic's outputs under
    // `outputs/<datasetId>/mosaics/v<version>/`, create-only: the one writer there.
    uploadBucket: 'none',
    resultsBucket: 'readCreate',
    resultsCreatePrefix: 'outputs/*/mosaics/',
    // A mosaic's tiles together are at most the pixel limit (planStitching), as is the fused
    // mosaic; with the blending weights and one channel's planes: four images' worth.
    imagesHeld: 4,
    description: "Solves a mosaic's tile positions from its edges and writes its outputs",
  },
};
