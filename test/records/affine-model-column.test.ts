import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../shared/adapters/open-database.js';
import { migrateTo, migrateToLatest } from '../../shared/records/migrate.js';
import { createJobVersion } from '../../shared/records/jobs-repository.js';
import { getRegistration, upsertRegistration } from '../../shared/records/registrations-repository.js';
import { datasetWithPair } from './fixtures.js';
import { DIALECTS, type TestDatabase } from './test-databases.js';

describe.each(DIALECTS)('0011_affine on $name', ({ create }) => {
  let target: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    await target?.drop();
  });

  it('stores the affine model names, and narrows them back on the way down', async () => {
    target = await create();
    handle = await connectDatabase(target.config);
    const { db } = handle;
    await migrateToLatest(db);
    const { dataset, reference, moving } = await datasetWithPair(db, 'fib-sem');
    const { job } = await createJobVersion(db, {
      dataset_id: dataset.id,
      reference_image_id: reference.id,
      moving_image_id: moving.id,
      parameters: { model: 'regularized-affine', lambda: 0.5 },
    });
    const matrix = [
      [1.003, 0.002, -4.3],
      [-0.001, 0.999, 2.6],
      [0, 0, 1],
    ];
    await upsertRegistration(db, {
      job_id: job.id,
      image_id: moving.id,
      shift_y: 2.6,
      shift_x: -4.3,
      tiles_used: 40,
      tiles_rejected: 2,
      model: 'regularized-affine',
      matrix,
      angle: null,
      scale: null,
      transform: { type: 'regularized-affine', matrix, lambda: 0.5, flagged: null },
    });
    expect(await getRegistration(db, job.id, moving.id)).toMatchObject({
      model: 'regularized-affine',
      matrix,
      angle: null,
      transform: { lambda: 0.5 },
    });
    // Down through 0011 (whatever migrations later ones add above it).
    await migrateTo(db, '0009_mosaic_jobs');
    expect((await getRegistration(db, job.id, moving.id))?.model).toBe('affine');
    await migrateTo(db, '0011_affine');
    expect((await getRegistration(db, job.id, moving.id))?.matrix).toEqual(matrix);
  });
});
