import type { TileMessage } from '../../shared/messages/tile-message.js';

/** Example messages shared by the tests (and mirrored in docs/messages.md). */
export const JOB_ID = '01964b7e-8f3a-7c41-9d2e-0a1b2c3d4e5f';
export const DATASET_ID = '01964b7e-0000-7000-8000-000000000001';
export const REFERENCE_ID = '01964b7e-0000-7000-8000-000000000002';
export const MOVING_ID = '01964b7e-0000-7000-8000-000000000003';

export function exampleTileMessage(): TileMessage {
  return {
    schemaVersion: 1,
    jobId: JOB_ID,
    tileIndex: 3,
    tileCount: 16,
    datasetId: DATASET_ID,
    reference: {
      imageId: REFERENCE_ID,
      path: `datasets/${DATASET_ID}/images/${REFERENCE_ID}.tif`,
      shape: [1024, 1024],
      pixelType: 'uint16',
    },
    moving: {
      imageId: MOVING_ID,
      path: `datasets/${DATASET_ID}/images/${MOVING_ID}.tif`,
      shape: [1024, 1024],
      pixelType: 'uint16',
    },
    region: { start: [192, 576], size: [256, 256] },
    params: {
      upsampleFactor: 20,
      normalization: 'phase',
      preprocessing: { dtype: 'float64', clip: { low: 0.5, high: 99.5 }, window: { type: 'hann' } },
      minTileSignal: 0,
      channel: 0,
    },
  };
}
