import { describe, expect, it } from 'vitest';
import { isMetdbError, type MetdbError } from '../../shared/errors/metdb-error.js';
import { parseAggregateMessage } from '../../shared/messages/aggregate-message.js';
import { outputsMessageAttributes, parseOutputsMessage } from '../../shared/messages/outputs-message.js';
import {
  parseReprocessMessage,
  reprocessMessageAttributes,
} from '../../shared/messages/reprocess-message.js';
import { parseTileMessage, tileMessageAttributes } from '../../shared/messages/tile-message.js';
import { DATASET_ID, exampleTileMessage, JOB_ID, MOVING_ID, REFERENCE_ID } from './message-examples.js';

function failure(fn: () => unknown): MetdbError {
  try {
    fn();
  } catch (error) {
    if (isMetdbError(error, 'invalid-message')) return error;
    throw error;
  }
  throw new Error('expected an invalid-message error');
}

describe('tile message', () => {
  it('accepts a valid message after a JSON round trip and derives its attributes', () => {
    const wire: unknown = JSON.parse(JSON.stringify(exampleTileMessage()));
    const m = parseTileMessage(wire);
    expect(m).toEqual(exampleTileMessage());
    expect(tileMessageAttributes(m)).toEqual({ schemaVersion: '1', jobId: JOB_ID, tileIndex: '3' });
  });

  it.each([
    {},
    { window: 'hann' },
    { clip: true, background: true, bin: true, window: { type: 'tukey' } },
    { hotPixels: true, dtype: 'float32' },
  ])('gives a value that validates to itself again (preprocessing %j)', (preprocessing) => {
    // The local bus delivers the validated value, which a worker may validate once more.
    const m = exampleTileMessage();
    const once: unknown = JSON.parse(
      JSON.stringify(parseTileMessage({ ...m, params: { ...m.params, preprocessing } })),
    );
    expect(JSON.parse(JSON.stringify(parseTileMessage(once)))).toEqual(once);
  });

  it('accepts a 3D brick', () => {
    const m = exampleTileMessage();
    m.reference.shape = m.moving.shape = [64, 256, 256];
    m.region = { start: [0, 128, 64], size: [32, 128, 128] };
    expect(parseTileMessage(m).region.size).toEqual([32, 128, 128]);
  });

  it('accepts the predicted offset, one whole pixel count per axis', () => {
    expect(parseTileMessage({ ...exampleTileMessage(), offset: [-42, 35] }).offset).toEqual([-42, 35]);
  });

  it.each([
    ['an offset with too few axes', (m: Record<string, unknown>) => (m.offset = [3]), 'offset'],
    [
      'an offset with another axis count than the region',
      (m: Record<string, unknown>) => (m.offset = [1, 2, 3]),
      'offset',
    ],
    ['a fractional offset', (m: Record<string, unknown>) => (m.offset = [1.5, 2]), 'offset'],
    ['a missing jobId', (m: Record<string, unknown>) => delete m.jobId, 'jobId'],
    ['a non-uuid jobId', (m: Record<string, unknown>) => (m.jobId = 'job-1'), 'jobId'],
    ['a fractional tileIndex', (m: Record<string, unknown>) => (m.tileIndex = 1.5), 'tileIndex'],
    [
      'tileIndex >= tileCount',
      (m: Record<string, unknown>) => (m.tileIndex = 16),
      'tileIndex: must be below tileCount 16',
    ],
    ['an unknown field', (m: Record<string, unknown>) => (m.extra = true), 'Unrecognized key'],
    [
      'a region beyond the image',
      (m: Record<string, unknown>) => ((m.region as { start: number[] }).start = [900, 0]),
      'region: ends at 1156 on axis 0',
    ],
    [
      'a 2D region on a 3D image',
      (m: Record<string, unknown>) => ((m.moving as { shape: number[] }).shape = [2, 1024, 1024]),
      'moving.shape',
    ],
    [
      'upsampleFactor < 1',
      (m: Record<string, unknown>) => ((m.params as { upsampleFactor: number }).upsampleFactor = 0.5),
      'params.upsampleFactor',
    ],
    [
      'an unknown normalization',
      (m: Record<string, unknown>) => ((m.params as { normalization: string }).normalization = 'max'),
      'params.normalization',
    ],
    [
      'inverted clip percentiles',
      (m: Record<string, unknown>) =>
        ((m.params as { preprocessing: Record<string, unknown> }).preprocessing.clip = { low: 99, high: 1 }),
      'params.preprocessing: clipPercentiles: low (99) is above high (1)',
    ],
    [
      'an unknown preprocessing step',
      (m: Record<string, unknown>) =>
        ((m.params as { preprocessing: Record<string, unknown> }).preprocessing.denoise = true),
      "params.preprocessing: preprocess: unknown option 'denoise'",
    ],
  ])('rejects %s with a permanent invalid-message error naming the field', (_label, mutate, expected) => {
    const m = exampleTileMessage() as unknown as Record<string, unknown>;
    mutate(m);
    const error = failure(() => parseTileMessage(m));
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain(expected);
  });

  it('rejects another schema version with a message that says which versions', () => {
    const error = failure(() => parseTileMessage({ ...exampleTileMessage(), schemaVersion: 2 }));
    expect(error.message).toBe('tile message: unsupported schemaVersion 2 (this code reads 1)');
    expect(error.details.schemaVersion).toBe(2);
    expect(
      failure(() => parseTileMessage({ ...exampleTileMessage(), schemaVersion: undefined })).message,
    ).toContain('schemaVersion');
  });

  it.each([[null], ['text'], [42], [[]]])('rejects the non-object %j', (value) => {
    expect(failure(() => parseTileMessage(value)).code).toBe('invalid-message');
  });
});

describe('aggregate message', () => {
  it('accepts { schemaVersion: 1, jobId } and nothing else', () => {
    expect(parseAggregateMessage({ schemaVersion: 1, jobId: JOB_ID })).toEqual({
      schemaVersion: 1,
      jobId: JOB_ID,
    });
    expect(failure(() => parseAggregateMessage({ schemaVersion: 1 })).message).toContain('jobId');
    expect(
      failure(() => parseAggregateMessage({ schemaVersion: 1, jobId: JOB_ID, tiles: 3 })).message,
    ).toContain('Unrecognized key');
  });
});

describe('outputs message', () => {
  it('accepts { schemaVersion: 1, datasetId, jobId } and nothing else', () => {
    const m = parseOutputsMessage({ schemaVersion: 1, datasetId: DATASET_ID, jobId: JOB_ID });
    expect(m).toEqual({ schemaVersion: 1, datasetId: DATASET_ID, jobId: JOB_ID });
    expect(outputsMessageAttributes(m)).toEqual({ schemaVersion: '1', datasetId: DATASET_ID, jobId: JOB_ID });
    expect(failure(() => parseOutputsMessage({ schemaVersion: 1, jobId: JOB_ID })).message).toContain(
      'datasetId',
    );
    expect(
      failure(() => parseOutputsMessage({ schemaVersion: 1, datasetId: 'ds1', jobId: JOB_ID })).message,
    ).toContain('datasetId');
    expect(
      failure(() => parseOutputsMessage({ schemaVersion: 2, datasetId: DATASET_ID, jobId: JOB_ID })).message,
    ).toBe('outputs message: unsupported schemaVersion 2 (this code reads 1)');
  });
});

describe('reprocess message', () => {
  it('accepts a dataset with partial params, defaulting params to {}', () => {
    const m = parseReprocessMessage({
      schemaVersion: 1,
      datasetId: DATASET_ID,
      params: {
        upsampleFactor: 50,
        preprocessing: { window: { type: 'tukey', alpha: 0.25 } },
        tileSize: [256, 256],
      },
      requestedBy: 'ops@example.org',
      requestId: 'rerun-2024-06-01',
    });
    expect(m).toMatchObject({
      datasetId: DATASET_ID,
      params: { upsampleFactor: 50, preprocessing: { window: { type: 'tukey', alpha: 0.25 } } },
    });
    expect(reprocessMessageAttributes(m)).toEqual({
      schemaVersion: '1',
      datasetId: DATASET_ID,
      requestId: 'rerun-2024-06-01',
    });
    expect(parseReprocessMessage({ schemaVersion: 1, imageIds: [REFERENCE_ID, MOVING_ID] })).toEqual({
      schemaVersion: 1,
      imageIds: [REFERENCE_ID, MOVING_ID],
      params: {},
    });
  });

  it("takes a stack of sections' model and chain settings", () => {
    const params = { model: 'scale-shift', preserveScales: true, fitParams: ['LF'], outputFrame: 'crop' };
    expect(parseReprocessMessage({ schemaVersion: 1, datasetId: DATASET_ID, params }).params).toEqual(params);
    expect(() =>
      parseReprocessMessage({ schemaVersion: 1, datasetId: DATASET_ID, params: { outputFrame: 'wide' } }),
    ).toThrow(/outputFrame/);
  });

  it('rejects both targets, no target, an empty image list and unknown params', () => {
    expect(
      failure(() => parseReprocessMessage({ schemaVersion: 1, datasetId: DATASET_ID, imageIds: [MOVING_ID] }))
        .message,
    ).toBe('reprocess message: give exactly one of datasetId and imageIds (got both)');
    expect(failure(() => parseReprocessMessage({ schemaVersion: 1 })).message).toContain('(got neither)');
    expect(() => parseReprocessMessage({ schemaVersion: 1, imageIds: [] })).toThrow(/reprocess message/);
    const error = failure(() =>
      parseReprocessMessage({ schemaVersion: 1, datasetId: DATASET_ID, params: { upsample: 10 } }),
    );
    expect(error.message).toContain('upsample');
  });
});
