/**
 * The event pipeline end to end on real components: the Pub/Sub emulator (push subscriptions with
 * retry and dead-letter policies), the four functions served by functions-framework over HTTP from
 * dist/, MariaDB, and the GCS JSON API test double as the bucket (written with the real
 * @google-cloud/storage client; every finalized object is announced as a GCS notification on the
 * uploads topic, canonical copies included, as a real bucket notification would).
 */
import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/records/database-schema.js';
import type { GcsDouble } from '../support/gcs-double.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import type { Topology } from '../../scripts/dev-cloud/pubsub-topology.js';
import { eventarcFinalized } from '../../scripts/dev-cloud/storage-events.js';
import { allRows, deliveryLines, pullAll, until } from './pipeline-harness.js';
import { cornerErrors, matrixPair, similarityPair } from '../../bench/similarity-pair.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';

const run = randomUUID().slice(0, 8);
const BUCKET = `lab-${run}`;
const DATASET = `series-${run}`;
const BAD = `bad-${run}`;
const ROTATED = `rotated-${run}`;
const SHEARED = `sheared-${run}`;
const TURNED = `turned-${run}`;
const topics = {
  uploads: `uploads-${run}`,
  tiles: `tiles-${run}`,
  aggregate: `aggregate-${run}`,
  reprocess: `reprocess-${run}`,
  /** Poison tile messages, pushed to registerTile by a subscription of their own (see the test). */
  poison: `poison-tiles-${run}`,
};
const SERIES = 'test/fixtures/series';
const truth = JSON.parse(readFileSync(`${SERIES}/truth.json`, 'utf8')) as {
  frames: { file: string; expected: number[] }[];
};
const SETTINGS = { reference: 'frame_00.tif', tileSize: 128, tileOverlap: 0.25, upsampleFactor: 100 };

let stack: CloudTestStack;
let db: Kysely<Database>;
let gcs: GcsDouble;
let topology: Topology;
let storage: Storage;
let servers: CloudTestStack['servers'];
/** Every notification published to the uploads topic, to re-deliver them. */
let notifications: CloudTestStack['notifications'];
let publishing: Promise<unknown>[];
const timings: Record<string, number> = {};

beforeAll(async () => {
  stack = await startCloudTestStack({
    functions: ['ingest', 'registerTile', 'aggregate', 'reprocess'],
    push: [
      { topic: topics.uploads, target: 'ingest' },
      { topic: topics.tiles, target: 'registerTile' },
      { topic: topics.aggregate, target: 'aggregate' },
      { topic: topics.reprocess, target: 'reprocess' },
      { topic: topics.poison, target: 'registerTile' },
    ],
    env: {
      METDB_RESULTS_BUCKET: BUCKET,
      METDB_TILES_TOPIC: topics.tiles,
      METDB_AGGREGATE_TOPIC: topics.aggregate,
      METDB_REPROCESS_TOPIC: topics.reprocess,
      METDB_LOG_LEVEL: 'info',
    },
    announce: { bucket: BUCKET, topic: topics.uploads },
    // Taps: pull subscriptions that see every tile and aggregate message, to re-deliver them.
    taps: [topics.tiles, topics.aggregate],
    poolSize: 4,
  });
  ({ db, gcs, topology, storage, servers, notifications, publishing } = stack);
  Object.assign(timings, stack.timings);
}, 150_000);

afterAll(async () => {
  await stack?.stop();
  console.log(`pipeline integration timings (ms): ${JSON.stringify(timings)}`);
}, 60_000);

async function upload(name: string, bytes: Uint8Array, contentType = 'image/tiff'): Promise<void> {
  await storage.bucket(BUCKET).file(name).save(Buffer.from(bytes), { resumable: false, contentType });
}

describe('the event pipeline on the Pub/Sub emulator, functions-framework and MariaDB', () => {
  it('registers an uploaded series: every row, and shifts within 0.05 px of the truth', async () => {
    const t = Date.now();
    await upload(`${DATASET}/metdb.json`, Buffer.from(JSON.stringify(SETTINGS)), 'application/json');
    for (const frame of truth.frames) {
      await upload(`${DATASET}/${frame.file}`, readFileSync(`${SERIES}/${frame.file}`));
    }
    const moving = truth.frames.length - 1;
    const jobs = await until('every job done', 100_000, async () => {
      const rows = await db.selectFrom('jobs').selectAll().execute();
      return rows.length === moving && rows.every((j) => j.state === 'done' || j.state === 'failed')
        ? rows
        : undefined;
    });
    timings.seriesMs = Date.now() - t;

    const dataset = await db
      .selectFrom('datasets')
      .selectAll()
      .where('name', '=', DATASET)
      .executeTakeFirstOrThrow();
    const images = await db.selectFrom('images').selectAll().where('dataset_id', '=', dataset.id).execute();
    expect(images).toHaveLength(truth.frames.length);
    const byFile = new Map(images.map((i) => [i.source_object.slice(DATASET.length + 1), i]));
    for (const frame of truth.frames) {
      const image = byFile.get(frame.file)!;
      const bytes = readFileSync(`${SERIES}/${frame.file}`);
      expect(image.status).toBe('ingested');
      expect(image.storage_path).toBe(`datasets/${dataset.id}/images/${image.id}.tif`);
      expect(image.content_hash).toBe(createHashHex(bytes));
      expect([image.width, image.height, image.depth, image.pixel_type]).toEqual([256, 256, 1, 'uint16']);
      const stored = gcs.objects.get(`${BUCKET}/${image.storage_path}`);
      expect(stored && Buffer.from(stored.bytes).equals(bytes)).toBe(true);
    }
    const reference = byFile.get('frame_00.tif')!;
    expect(dataset.reference_image_id).toBe(reference.id);

    const errors: number[] = [];
    for (const job of jobs) {
      expect(job.state).toBe('done');
      expect(job.reference_image_id).toBe(reference.id);
      expect(job.tiles_total).toBe(9); // 256 px in tiles of 128 px with 25 % overlap: 3 x 3
      expect(job.tiles_done).toBe(job.tiles_total);
      const tiles = await db.selectFrom('tile_results').selectAll().where('job_id', '=', job.id).execute();
      expect(tiles.map((r) => r.tile_index).sort((a, b) => a - b)).toEqual([...Array(9).keys()]);
      const registration = await db
        .selectFrom('registrations')
        .selectAll()
        .where('job_id', '=', job.id)
        .executeTakeFirstOrThrow();
      expect(registration.image_id).toBe(job.moving_image_id);
      const file = images.find((i) => i.id === job.moving_image_id)!.source_object.slice(DATASET.length + 1);
      const expected = truth.frames.find((f) => f.file === file)!.expected;
      errors.push(
        Math.abs(registration.shift_y - expected[0]!),
        Math.abs(registration.shift_x - expected[1]!),
      );
      expect(registration.shift_y).toBeCloseTo(expected[0]!, 1);
      expect(Math.abs(registration.shift_y - expected[0]!)).toBeLessThan(0.05);
      expect(Math.abs(registration.shift_x - expected[1]!)).toBeLessThan(0.05);
      expect(registration.ncc_after!).toBeGreaterThan(registration.ncc_before!);
      expect(registration.tiles_used + registration.tiles_rejected).toBeLessThanOrEqual(9);
    }
    timings.worstErrorMilliPx = Math.round(Math.max(...errors) * 1000);
  }, 120_000);

  it('re-delivering every message changes no row and aggregates each job once', async () => {
    await Promise.all(publishing);
    const before = await allRows(db);
    const tilesTotal = before.jobs.reduce((n, j) => n + Number(j.tiles_total), 0);
    const tileMessages = await pullAll(topology.pubsub, `${topics.tiles}-tap`, tilesTotal);
    const aggregateMessages = await pullAll(topology.pubsub, `${topics.aggregate}-tap`, before.jobs.length);
    const seen = {
      ingest: deliveryLines(servers.ingest!.output(), 'ingest').length,
      registerTile: deliveryLines(servers.registerTile!.output(), 'registerTile').length,
      aggregate: deliveryLines(servers.aggregate!.output(), 'aggregate').length,
    };
    const t = Date.now();
    const pubsub = topology.pubsub;
    await Promise.all([
      ...notifications.map((n) => pubsub.topic(topics.uploads).publishMessage(n)),
      ...tileMessages.map((m) =>
        pubsub.topic(topics.tiles).publishMessage({ data: m.data, attributes: m.attributes }),
      ),
      ...aggregateMessages.map((m) =>
        pubsub.topic(topics.aggregate).publishMessage({ data: m.data, attributes: m.attributes }),
      ),
    ]);
    await until('every re-delivery handled', 60_000, () => {
      const done =
        deliveryLines(servers.ingest!.output(), 'ingest').length >= seen.ingest + notifications.length &&
        deliveryLines(servers.registerTile!.output(), 'registerTile').length >=
          seen.registerTile + tileMessages.length &&
        deliveryLines(servers.aggregate!.output(), 'aggregate').length >=
          seen.aggregate + aggregateMessages.length;
      return Promise.resolve(done ? true : undefined);
    });
    timings.redeliveryMs = Date.now() - t;
    // The same uploads once more, as Eventarc CloudEvents posted straight to the function.
    for (const n of notifications) {
      const event = eventarcFinalized(JSON.parse(n.data.toString('utf8')) as Record<string, unknown>);
      const response = await fetch(servers.ingest!.url, {
        method: 'POST',
        headers: event.headers,
        body: event.body,
      });
      expect(response.ok).toBe(true);
    }
    const after = await allRows(db);
    expect(after).toEqual(before);
    const aggregations = deliveryLines(servers.aggregate!.output(), 'aggregate').filter(
      (l) => l.aggregated === true,
    );
    expect(aggregations.map((l) => l.jobId).sort()).toEqual(before.jobs.map((j) => j.id).sort());
  }, 120_000);

  it('records bad uploads as failed images with a reason', async () => {
    const frame = readFileSync(`${SERIES}/frame_01.tif`);
    await upload(`${BAD}/corrupt.tif`, frame.subarray(0, 4000));
    await upload(`${BAD}/empty.tif`, new Uint8Array(0));
    await upload(`${BAD}/notes.tif`, Buffer.from('this is not a TIFF, just text\n'));
    const rows = await until('three failed images', 60_000, async () => {
      const r = await db
        .selectFrom('images')
        .innerJoin('datasets', 'datasets.id', 'images.dataset_id')
        .select(['images.source_object', 'images.status', 'images.failure_reason'])
        .where('datasets.name', '=', BAD)
        .execute();
      return r.length === 3 && r.every((i) => i.status === 'failed') ? r : undefined;
    });
    const reasons = Object.fromEntries(
      rows.map((r) => [r.source_object.slice(BAD.length + 1), r.failure_reason]),
    );
    expect(reasons['empty.tif']).toMatch(/empty|0 bytes/);
    expect(reasons['corrupt.tif']).toMatch(/truncat|corrupt|TIFF/i);
    expect(reasons['notes.tif']).toMatch(/format|not a/i);
  }, 90_000);

  it('sends poison tile messages to the dead-letter topic', async () => {
    // A push subscription of its own, with the tiles topic's policies, to the same registerTile
    // function, so that nothing the tests before did to the tiles subscription is in the way. The
    // emulator spaces a message's attempts 1, 2, 4... s apart whatever the retry policy says: the
    // fifth attempt comes about 12 s after the first. Once in CI (on an emulator that an earlier
    // run had left behind, with its stale subscriptions) none came within 60 s, hence 90.
    const tiles = topology.pubsub.topic(topics.poison);
    await tiles.publishMessage({ data: Buffer.from('this is not JSON') });
    await tiles.publishMessage({ json: { schemaVersion: 1, jobId: 'not-a-uuid', tileIndex: -1 } });
    const dead = await topology.deadLettered(topics.poison, 2, 90_000);
    expect(dead.map((m) => m.data.toString('utf8')).sort()).toEqual(
      [JSON.stringify({ schemaVersion: 1, jobId: 'not-a-uuid', tileIndex: -1 }), 'this is not JSON'].sort(),
    );
    const lines = deliveryLines(servers.registerTile!.output(), 'registerTile').filter(
      (l) => l.reason === 'malformed',
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it.each([
    { model: 'similarity', dataset: ROTATED, angle: -32, scale: 1.1 },
    { model: 'rigid', dataset: TURNED, angle: 17, scale: 1 },
  ])(
    'registers a pair with model $model (matrix in the row)',
    async ({ model, dataset, angle, scale }) => {
      // Last, in datasets of their own: the tests above count every job of the database.
      const camera = (await readImageFile('test/fixtures/similarity/camera.png')).array;
      const pair = similarityPair(camera, { angle, scale, shift: [3.5, -6] }, 0.02, 5);
      const settings = { model, reference: 'a.tif', tileSize: 128 };
      await upload(`${dataset}/metdb.json`, Buffer.from(JSON.stringify(settings)), 'application/json');
      await upload(`${dataset}/a.tif`, encodeTiff(pair.reference));
      await upload(`${dataset}/b.tif`, encodeTiff(pair.moving));
      const registration = await until(`the ${model} job done`, 100_000, async () =>
        db
          .selectFrom('registrations')
          .innerJoin('jobs', 'jobs.id', 'registrations.job_id')
          .innerJoin('datasets', 'datasets.id', 'jobs.dataset_id')
          .selectAll('registrations')
          .where('datasets.name', '=', dataset)
          .executeTakeFirst(),
      );
      expect(registration.model).toBe(model);
      expect(registration.quality).toBe('good');
      expect(registration.angle!).toBeCloseTo(angle, 1);
      expect(registration.scale!).toBeCloseTo(scale, 2);
      const matrix = JSON.parse(registration.matrix!) as Matrix3;
      expect(cornerErrors(matrix, pair.matrix, [512, 512]).max).toBeLessThan(0.5);
    },
    120_000,
  );

  it('registers a scaled and sheared pair with "model": "affine" (FIB-SEM; matrix in the row)', async () => {
    const camera = (await readImageFile('test/fixtures/similarity/camera.png')).array;
    const truth: Matrix3 = [
      [1.007, -0.004, 5.5],
      [0.003, 0.995, -3.75],
      [0, 0, 1],
    ];
    const pair = matrixPair(camera, truth, 0.03, 9);
    const settings = { model: 'affine', reference: 'a.tif', tileSize: 128 };
    await upload(`${SHEARED}/metdb.json`, Buffer.from(JSON.stringify(settings)), 'application/json');
    await upload(`${SHEARED}/a.tif`, encodeTiff(pair.reference));
    await upload(`${SHEARED}/b.tif`, encodeTiff(pair.moving));
    const registration = await until('the affine job done', 100_000, async () =>
      db
        .selectFrom('registrations')
        .innerJoin('jobs', 'jobs.id', 'registrations.job_id')
        .innerJoin('datasets', 'datasets.id', 'jobs.dataset_id')
        .selectAll('registrations')
        .where('datasets.name', '=', SHEARED)
        .executeTakeFirst(),
    );
    expect(registration.model).toBe('affine');
    expect(registration.angle).toBeNull();
    const matrix = JSON.parse(registration.matrix!) as Matrix3;
    expect(cornerErrors(matrix, truth, [512, 512]).mean).toBeLessThan(0.3);
    expect(JSON.parse(registration.transform!)).toMatchObject({ type: 'affine', flagged: null });
  }, 120_000);
});

function createHashHex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
