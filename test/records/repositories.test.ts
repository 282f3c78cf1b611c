import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateToLatest } from '../../shared/records/migrate.js';
import { getDataset, getOrCreateDataset, updateDataset } from '../../shared/records/datasets-repository.js';
import {
  getImageBySource,
  imageSourceKey,
  insertImageOrGet,
  listImages,
  updateImage,
} from '../../shared/records/images-repository.js';
import {
  createJobVersion,
  getJob,
  latestJobFor,
  listJobs,
  markJobState,
  startJob,
} from '../../shared/records/jobs-repository.js';
import { getRegistration, upsertRegistration } from '../../shared/records/registrations-repository.js';
import {
  claimIdempotencyKey,
  getProcessedEvent,
  pruneProcessedEvents,
  releaseIdempotencyKey,
} from '../../shared/records/processed-events-repository.js';
import { recordTileResult } from '../../shared/records/record-tile-result.js';
import { listTileResults } from '../../shared/records/tile-results-repository.js';
import { idTime, isId } from '../../shared/records/new-id.js';
import { DIALECTS, type TestDatabase } from './test-databases.js';
import { datasetWithPair, hashOf } from './fixtures.js';

describe.each(DIALECTS)('repositories on $name', ({ create }) => {
  let target: TestDatabase;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    target = await create();
    handle = await connectDatabase(target.config);
    await migrateToLatest(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await target?.drop();
  });

  it('gets or creates a dataset by name, with JSON settings', async () => {
    const a = await getOrCreateDataset(handle.db, { name: 'ds-a', settings: { tileSize: [256, 256] } });
    const b = await getOrCreateDataset(handle.db, { name: 'ds-a', settings: { ignored: true } });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.dataset.id).toBe(a.dataset.id);
    expect(b.dataset.settings).toEqual({ tileSize: [256, 256] });
    expect(isId(a.dataset.id)).toBe(true);
    expect(Math.abs(idTime(a.dataset.id).getTime() - Date.now())).toBeLessThan(60_000);
    expect(
      await updateDataset(handle.db, a.dataset.id, { reference_image_id: null, settings: { mode: '3d' } }),
    ).toBe(true);
    expect((await getDataset(handle.db, a.dataset.id))?.settings).toEqual({ mode: '3d' });
  });

  it('deduplicates images by upload key and by content hash, with a canonical path', async () => {
    const { dataset } = await getOrCreateDataset(handle.db, { name: 'ds-dedup' });
    const upload = {
      dataset_id: dataset.id,
      source_bucket: 'raw',
      source_object: 'ds-dedup/Cell 1.TIF',
      source_generation: 1712345678901234,
      content_hash: hashOf(42),
    };
    const first = await insertImageOrGet(handle.db, upload);
    expect(first.created).toBe(true);
    expect(first.image.storage_path).toBe(`datasets/${dataset.id}/images/${first.image.id}.tif`);
    expect(first.image.status).toBe('received');
    expect(first.image.source_generation).toBe('1712345678901234');

    const again = await insertImageOrGet(handle.db, { ...upload, source_generation: '1712345678901234' });
    expect(again).toMatchObject({ created: false, duplicateOf: 'source' });
    expect(again.image.id).toBe(first.image.id);

    const sameBytes = await insertImageOrGet(handle.db, {
      ...upload,
      source_object: 'ds-dedup/copy.tif',
      source_generation: '7',
    });
    expect(sameBytes).toMatchObject({ created: false, duplicateOf: 'content' });
    expect(sameBytes.image.id).toBe(first.image.id);

    // Object names are case-sensitive on both databases (MySQL tables use utf8mb4_bin).
    const otherCase = await insertImageOrGet(handle.db, {
      ...upload,
      source_object: 'ds-dedup/cell 1.TIF',
      content_hash: hashOf(43),
    });
    expect(otherCase.created).toBe(true);

    const found = await getImageBySource(handle.db, {
      bucket: 'raw',
      object: 'ds-dedup/Cell 1.TIF',
      generation: '1712345678901234',
    });
    expect(found?.id).toBe(first.image.id);
    expect(found?.source_key).toBe(imageSourceKey('raw', 'ds-dedup/Cell 1.TIF', 1712345678901234));
    expect((await listImages(handle.db, dataset.id)).map((i) => i.id)).toEqual([
      first.image.id,
      otherCase.image.id,
    ]);
  });

  it('updates image status and metadata; a reused content hash is a conflict', async () => {
    const { dataset, reference, moving } = await datasetWithPair(handle.db, 'ds-update');
    const failed = await updateImage(handle.db, moving.id, {
      status: 'failed',
      failure_reason: 'not a TIFF',
    });
    expect(failed).toMatchObject({ status: 'failed', failure_reason: 'not a TIFF' });
    const ok = await updateImage(handle.db, moving.id, {
      status: 'ingested',
      width: 640,
      depth: 12,
      pages: 12,
    });
    expect(ok).toMatchObject({ status: 'ingested', failure_reason: null, width: 640, depth: 12 });
    await expect(
      updateImage(handle.db, moving.id, { content_hash: reference.content_hash }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await listImages(handle.db, dataset.id, { status: 'failed' })).toEqual([]);
  });

  it('rejects an image of a missing dataset', async () => {
    const { dataset } = await getOrCreateDataset(handle.db, { name: 'ds-tmp' });
    const missing = dataset.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    await expect(
      insertImageOrGet(handle.db, {
        dataset_id: missing,
        source_bucket: 'raw',
        source_object: 'x.tif',
        source_generation: '1',
      }),
    ).rejects.toMatchObject({ code: 'not-found' });
  });

  it('versions jobs per (dataset, moving image) and honours request keys', async () => {
    const { dataset, reference, moving } = await datasetWithPair(handle.db, 'ds-jobs');
    const base = { dataset_id: dataset.id, reference_image_id: reference.id, moving_image_id: moving.id };
    const v1 = await createJobVersion(handle.db, {
      ...base,
      parameters: { upsampleFactor: 10 },
      request_key: 'plan:1',
    });
    const dup = await createJobVersion(handle.db, {
      ...base,
      parameters: { upsampleFactor: 99 },
      request_key: 'plan:1',
    });
    const v2 = await createJobVersion(handle.db, { ...base, parameters: { upsampleFactor: 20 } });
    const v3 = await Promise.all(
      [1, 2, 3].map(() => createJobVersion(handle.db, { ...base, parameters: {} })),
    );
    expect(v1.job).toMatchObject({
      version: 1,
      state: 'pending',
      tiles_total: 0,
      tiles_done: 0,
      parameters: { upsampleFactor: 10 },
    });
    expect(dup).toMatchObject({ created: false, job: { id: v1.job.id, version: 1 } });
    expect(v2.job.version).toBe(2);
    expect(v3.map((r) => r.job.version).sort()).toEqual([3, 4, 5]);
    expect((await latestJobFor(handle.db, dataset.id, moving.id))?.version).toBe(5);
    expect((await listJobs(handle.db, dataset.id)).map((j) => j.version)).toEqual(
      [1, 2, 3, 4, 5].slice(0, 5).sort(),
    );

    expect(await startJob(handle.db, v1.job.id, 2)).toEqual({ started: true, completedJob: false });
    expect(await startJob(handle.db, v1.job.id, 2)).toEqual({ started: false, completedJob: false });
    expect(await markJobState(handle.db, v1.job.id, 'done', { from: 'pending' })).toBe(false);
    expect(
      await markJobState(handle.db, v1.job.id, 'failed', {
        from: ['running', 'aggregating'],
        reason: 'no tiles',
      }),
    ).toBe(true);
    const failed = await getJob(handle.db, v1.job.id);
    expect(failed).toMatchObject({ state: 'failed', failure_reason: 'no tiles' });
    expect(failed?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await listJobs(handle.db, dataset.id, { states: ['failed'] })).map((j) => j.id)).toEqual([
      v1.job.id,
    ]);
  });

  it('records tiles exactly once and completes the job on the last distinct tile', async () => {
    const { dataset, reference, moving } = await datasetWithPair(handle.db, 'ds-tiles');
    const { job } = await createJobVersion(handle.db, {
      dataset_id: dataset.id,
      reference_image_id: reference.id,
      moving_image_id: moving.id,
      parameters: {},
    });
    const tile = (i: number) => ({
      job_id: job.id,
      tile_index: i,
      region: { start: [0, i * 64], size: [64, 64] },
      shift_y: 1.25,
      shift_x: -0.5,
      peak: 0.9,
      error: 0.1,
      duration_ms: 12,
    });
    // A tile recorded before the job starts counts, and startJob completes the job if it was the last.
    expect(await recordTileResult(handle.db, tile(0))).toEqual({ inserted: true, completedJob: false });
    expect(await startJob(handle.db, job.id, 2)).toEqual({ started: true, completedJob: false });
    expect(await recordTileResult(handle.db, tile(0))).toEqual({ inserted: false, completedJob: false });
    await expect(recordTileResult(handle.db, tile(2))).rejects.toMatchObject({ code: 'invalid-value' });
    expect(
      await recordTileResult(handle.db, {
        ...tile(1),
        shift_y: null,
        shift_x: null,
        skipped: true,
        skip_reason: 'flat',
      }),
    ).toEqual({ inserted: true, completedJob: true });
    expect(await recordTileResult(handle.db, tile(1))).toEqual({ inserted: false, completedJob: false });
    expect(await getJob(handle.db, job.id)).toMatchObject({
      state: 'aggregating',
      tiles_done: 2,
      tiles_total: 2,
    });
    const rows = await listTileResults(handle.db, job.id);
    expect(rows.map((r) => [r.tile_index, r.skipped, r.shift_y])).toEqual([
      [0, false, 1.25],
      [1, true, null],
    ]);
    expect(rows[0]!.region).toEqual({ start: [0, 0], size: [64, 64] });
    await expect(recordTileResult(handle.db, { ...tile(0), job_id: reference.id })).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('upserts a registration by (job, image)', async () => {
    const { dataset, reference, moving } = await datasetWithPair(handle.db, 'ds-reg');
    const { job } = await createJobVersion(handle.db, {
      dataset_id: dataset.id,
      reference_image_id: reference.id,
      moving_image_id: moving.id,
      parameters: {},
    });
    const reg = {
      job_id: job.id,
      image_id: moving.id,
      shift_y: 3.5,
      shift_x: -2.25,
      tiles_used: 15,
      tiles_rejected: 1,
    };
    await upsertRegistration(handle.db, {
      ...reg,
      ncc_before: 0.2,
      ncc_after: 0.95,
      transform: { type: 'translation' },
    });
    const first = await getRegistration(handle.db, job.id, moving.id);
    await upsertRegistration(handle.db, { ...reg, shift_x: -2.5, residuals: [0.1, 0.2] });
    const second = await getRegistration(handle.db, job.id, moving.id);
    expect(first).toMatchObject({
      shift_x: -2.25,
      ncc_after: 0.95,
      transform: { type: 'translation' },
      residuals: null,
    });
    expect(second).toMatchObject({ shift_x: -2.5, ncc_after: null, transform: null, residuals: [0.1, 0.2] });
    expect(second?.created_at).toBe(first?.created_at);
    // a translation's matrix is written from its shift (0005_transforms)
    expect(second).toMatchObject({
      model: 'translation',
      matrix: [
        [1, 0, -2.5],
        [0, 1, 3.5],
        [0, 0, 1],
      ],
      angle: null,
      scale: null,
    });
    const similarity = [
      [0.9, -0.3, 4],
      [0.3, 0.9, -1],
      [0, 0, 1],
    ];
    await upsertRegistration(handle.db, {
      ...reg,
      model: 'similarity',
      matrix: similarity,
      angle: 18.43,
      scale: 0.9487,
    });
    expect(await getRegistration(handle.db, job.id, moving.id)).toMatchObject({
      model: 'similarity',
      matrix: similarity,
      angle: 18.43,
      scale: 0.9487,
    });
  });

  it('claims an idempotency key once; keys are case-sensitive', async () => {
    const claims = await Promise.all(
      [1, 2, 3, 4, 5].map(() => claimIdempotencyKey(handle.db, 'msg:Abc', 'tile')),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimIdempotencyKey(handle.db, 'msg:abc', 'tile')).toBe(true);
    expect((await getProcessedEvent(handle.db, 'msg:Abc'))?.kind).toBe('tile');
    expect(await releaseIdempotencyKey(handle.db, 'msg:Abc')).toBe(true);
    expect(await claimIdempotencyKey(handle.db, 'msg:Abc', 'tile')).toBe(true);
    expect(await pruneProcessedEvents(handle.db, new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(2);
    expect(await getProcessedEvent(handle.db, 'msg:Abc')).toBeUndefined();
  });
});
