import { describe, expect, it } from 'vitest';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Database } from '../../shared/records/database-schema.js';
import { getOrCreateDataset } from '../../shared/records/datasets-repository.js';
import { insertImageOrGet, updateImage } from '../../shared/records/images-repository.js';
import { createJobVersion, markJobState, startJob } from '../../shared/records/jobs-repository.js';
import { recordTileResult } from '../../shared/records/record-tile-result.js';
import { upsertRegistration } from '../../shared/records/registrations-repository.js';
import { claimIdempotencyKey } from '../../shared/records/processed-events-repository.js';
import { canonicalImagePath, extensionOf } from '../../shared/records/canonical-image-path.js';
import { newId } from '../../shared/records/new-id.js';
import { isMetdbError, type MetdbError } from '../../shared/errors/metdb-error.js';

/** A Kysely that counts the statements it would send; any statement means validation came too late. */
function countingDb(): { db: Kysely<Database>; sent: () => number } {
  let count = 0;
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
    log: () => {
      count++;
    },
  });
  return { db, sent: () => count };
}

async function rejection(work: Promise<unknown>): Promise<MetdbError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMetdbError(error, 'invalid-value')) throw new Error(`expected invalid-value, got ${String(error)}`);
  return error;
}

const ds = newId();
const img = newId();
const job = newId();
const image = { dataset_id: ds, source_bucket: 'raw', source_object: 'a/b.tif', source_generation: '12' };
const tile = {
  job_id: job,
  tile_index: 0,
  region: { start: [0, 0], size: [64, 64] },
  shift_y: 0,
  shift_x: 0,
  duration_ms: 1,
};
const registration = { job_id: job, image_id: img, shift_y: 0, shift_x: 0, tiles_used: 1, tiles_rejected: 0 };

const cases: [string, (db: Kysely<Database>) => Promise<unknown>, RegExp][] = [
  ['dataset name with a slash', (db) => getOrCreateDataset(db, { name: 'a/b' }), /^datasets\.name: /],
  [
    'over-long dataset name',
    (db) => getOrCreateDataset(db, { name: 'x'.repeat(256) }),
    /^datasets\.name: .*256 chars/,
  ],
  [
    'non-JSON settings',
    (db) => getOrCreateDataset(db, { name: 'a', settings: { n: NaN } }),
    /^datasets\.settings: /,
  ],
  [
    'a bad dataset id',
    (db) => insertImageOrGet(db, { ...image, dataset_id: 'not-a-uuid' }),
    /^images\.dataset_id: .*UUIDv7.*"not-a-uuid"/,
  ],
  [
    'a v4 uuid',
    (db) => insertImageOrGet(db, { ...image, dataset_id: '0b7a3c3e-1f2a-4c5d-8e9f-0a1b2c3d4e5f' }),
    /^images\.dataset_id: /,
  ],
  ['a zero width', (db) => insertImageOrGet(db, { ...image, width: 0 }), /^images\.width: .*got 0$/],
  [
    'a fractional height',
    (db) => insertImageOrGet(db, { ...image, height: 10.5 }),
    /^images\.height: .*10\.5/,
  ],
  ['a width over INT', (db) => insertImageOrGet(db, { ...image, width: 2 ** 31 }), /^images\.width: /],
  [
    'a string width',
    (db) => insertImageOrGet(db, { ...image, width: '512' as unknown as number }),
    /^images\.width: .*"512"/,
  ],
  [
    'an unknown pixel type',
    (db) => insertImageOrGet(db, { ...image, pixel_type: 'rgb' as 'uint8' }),
    /^images\.pixel_type: /,
  ],
  [
    'an upper-case hash',
    (db) => insertImageOrGet(db, { ...image, content_hash: 'A'.repeat(64) }),
    /^images\.content_hash: .*hex/,
  ],
  [
    'a negative generation',
    (db) => insertImageOrGet(db, { ...image, source_generation: -1 }),
    /^images\.source_generation: /,
  ],
  [
    'an over-long object name',
    (db) => insertImageOrGet(db, { ...image, source_object: 'o'.repeat(1025) }),
    /^images\.source_object: /,
  ],
  [
    'failed without a reason',
    (db) => updateImage(db, img, { status: 'failed' }),
    /^images\.failure_reason: required/,
  ],
  ['an unknown status', (db) => updateImage(db, img, { status: 'lost' as 'failed' }), /^images\.status: /],
  [
    'job without parameters',
    (db) => createJobVersion(db, { dataset_id: ds, reference_image_id: img, moving_image_id: img } as never),
    /^jobs\.parameters: /,
  ],
  ['zero tiles', (db) => startJob(db, job, 0), /^jobs\.tiles_total: .*got 0$/],
  ['an unknown job state', (db) => markJobState(db, job, 'paused' as 'done'), /^jobs\.state: /],
  [
    'a negative tile index',
    (db) => recordTileResult(db, { ...tile, tile_index: -1 }),
    /^tile_results\.tile_index: .*-1/,
  ],
  [
    'an infinite shift',
    (db) => recordTileResult(db, { ...tile, shift_x: Infinity }),
    /^tile_results\.shift_x: /,
  ],
  ['a NaN peak', (db) => recordTileResult(db, { ...tile, peak: NaN }), /^tile_results\.peak: /],
  [
    'a missing shift',
    (db) => recordTileResult(db, { ...tile, shift_y: null }),
    /^tile_results\.shift_y: required unless skipped/,
  ],
  [
    '3-D without shift_z',
    (db) => recordTileResult(db, { ...tile, region: { start: [0, 0, 0], size: [8, 8, 8] } }),
    /^tile_results\.shift_z: /,
  ],
  [
    'a 1-D region',
    (db) => recordTileResult(db, { ...tile, region: { start: [0], size: [8] } }),
    /^tile_results\.region\.start: /,
  ],
  ['a negative weight', (db) => recordTileResult(db, { ...tile, weight: -1 }), /^tile_results\.weight: /],
  [
    'a fractional duration',
    (db) => recordTileResult(db, { ...tile, duration_ms: 1.5 }),
    /^tile_results\.duration_ms: /,
  ],
  [
    'an NCC above 1',
    (db) => upsertRegistration(db, { ...registration, ncc_after: 1.5 }),
    /^registrations\.ncc_after: .*1\.5/,
  ],
  [
    'a negative tile count',
    (db) => upsertRegistration(db, { ...registration, tiles_used: -2 }),
    /^registrations\.tiles_used: /,
  ],
  [
    'an empty idempotency key',
    (db) => claimIdempotencyKey(db, '', 'x'),
    /^processed_events\.idempotency_key: /,
  ],
  [
    'an over-long idempotency key',
    (db) => claimIdempotencyKey(db, 'k'.repeat(256), 'x'),
    /^processed_events\.idempotency_key: /,
  ],
];

describe('validation before SQL', () => {
  it.each(cases)(
    'rejects %s with invalid-value naming the field, sending nothing',
    async (_name, call, message) => {
      const { db, sent } = countingDb();
      const error = await rejection(call(db));
      expect(error.message).toMatch(message);
      expect(error.kind).toBe('permanent');
      expect(typeof error.details.field).toBe('string');
      expect(sent()).toBe(0);
    },
  );

  it('sends statements for a valid row (the counter works)', async () => {
    const { db, sent } = countingDb();
    await claimIdempotencyKey(db, 'k', 'x');
    expect(sent()).toBeGreaterThan(0);
  });
});

describe('canonicalImagePath', () => {
  it('derives the path from the IDs and a lowercase extension', () => {
    expect(canonicalImagePath(ds, img, '.TIF')).toBe(`datasets/${ds}/images/${img}.tif`);
    expect(extensionOf('lab/run 3/Stack.OME.TIFF')).toBe('tiff');
    expect(extensionOf('lab/noext')).toBe('bin');
    expect(extensionOf('.hidden')).toBe('bin');
  });

  it('rejects bad IDs and extensions', () => {
    expect(() => canonicalImagePath('x', img, 'tif')).toThrow(/datasetId/);
    expect(() => canonicalImagePath(ds, img, '../x')).toThrow(/ext/);
  });

  it('gives time-sortable unique IDs', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
