/**
 * The cloud returns the outputs: the series fixture uploaded to the bucket goes through the cloud
 * stack (the Pub/Sub emulator pushing to ingest, registerTile, aggregate and publishOutputs, served
 * by functions-framework from dist/; MariaDB; the GCS JSON API double, a MOCK of Cloud Storage, as
 * the bucket), and beside it a multi-page time series (an ImageJ TYX hyperstack). Once every job
 * has settled, `aggregate` has announced each job on the outputs topic and `publishOutputs` has
 * written the dataset's outputs under `outputs/<datasetId>/v1/r5/`. The objects are read back
 * independently (sharp for the pixels, tifffile and scipy when /usr/bin/python3 has them,
 * JSON.parse for the tables) and checked against the database rows, and redelivered outputs
 * messages leave, or recreate, identical bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/adapters/open-database.js';
import { parseOutputsMessage, type OutputsMessage } from '../../shared/messages/outputs-message.js';
import { SETTINGS_FILE } from '../../shared/pipeline/dataset-settings.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import { pullAll, type Topology } from '../../scripts/dev-cloud/pubsub-topology.js';
import type { GcsDouble } from '../support/gcs-double.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import { interiorNcc } from '../support/interior-ncc.js';
import { hasPython, runPython, TIFFFILE_READ } from '../support/python-readers.js';
import { deliveryLines, until } from './pipeline-harness.js';

const run = randomUUID().slice(0, 8);
const BUCKET = `outs-${run}`;
const DATASET = `series-${run}`;
const topics = {
  uploads: `outs-uploads-${run}`,
  tiles: `outs-tiles-${run}`,
  aggregate: `outs-aggregate-${run}`,
  outputs: `outs-outputs-${run}`,
};
const SERIES = 'test/fixtures/series';
const FRAMES = ['frame_00.tif', 'frame_01.tif', 'frame_02.tif', 'frame_03.tif', 'frame_04.tif'];
/** A time series in one file: 5 frames (ImageJ hyperstack, TYX) of 64 x 64 nuclei. */
const STACK = 'migration_tyx_imagej.tif';
const truth = JSON.parse(readFileSync(`${SERIES}/truth.json`, 'utf8')) as {
  frames: { file: string; expected: number[] }[];
};
const SETTINGS = { reference: 'frame_00.tif', tileSize: 128, tileOverlap: 0.25, upsampleFactor: 100 };
/** Four pair jobs (every frame but the reference), all version 1. */
const PAIR_JOBS = FRAMES.length - 1;
/** With the series' job, five jobs: the last snapshot is `v1/r5/`. */
const JOBS = PAIR_JOBS + 1;

let stack: CloudTestStack;
let handle: DatabaseHandle;
let gcs: GcsDouble;
let topology: Topology;
let storage: Storage;
let scratch: string;
let datasetId: string;
let prefix: string;
let servers: CloudTestStack['servers'];

beforeAll(async () => {
  stack = await startCloudTestStack({
    functions: ['ingest', 'registerTile', 'aggregate', 'publishOutputs'],
    push: [
      { topic: topics.uploads, target: 'ingest' },
      { topic: topics.tiles, target: 'registerTile' },
      { topic: topics.aggregate, target: 'aggregate' },
      { topic: topics.outputs, target: 'publishOutputs' },
    ],
    env: {
      METDB_RESULTS_BUCKET: BUCKET,
      METDB_TILES_TOPIC: topics.tiles,
      METDB_AGGREGATE_TOPIC: topics.aggregate,
      METDB_REPROCESS_TOPIC: `outs-reprocess-${run}`,
      METDB_OUTPUTS_TOPIC: topics.outputs,
      METDB_LOG_LEVEL: 'info',
    },
    // As a bucket notification would, every finalized object is announced, the outputs included.
    announce: { bucket: BUCKET, topic: topics.uploads },
    // A tap: every outputs announcement, to count them and to redeliver one.
    taps: [topics.outputs],
  });
  ({ handle, gcs, topology, storage, servers } = stack);
  scratch = mkdtempSync(join(tmpdir(), 'metdb-cloud-outputs-'));

  const bucket = storage.bucket(BUCKET);
  const save = (name: string, bytes: Uint8Array, contentType: string) =>
    bucket.file(`${DATASET}/${name}`).save(Buffer.from(bytes), { resumable: false, contentType });
  await save(SETTINGS_FILE, new TextEncoder().encode(JSON.stringify(SETTINGS)), 'application/json');
  for (const frame of FRAMES) await save(frame, readFileSync(join(SERIES, frame)), 'image/tiff');
  await save(STACK, readFileSync(join(SERIES, STACK)), 'image/tiff');
  datasetId = (await until('the dataset row', 30_000, async () => getDatasetByName(handle.db, DATASET))).id;
  prefix = `outputs/${datasetId}/v1/r${JOBS}/`;
  await until('the outputs manifest', 120_000, () =>
    Promise.resolve(gcs.objects.has(`${BUCKET}/${prefix}outputs.json`) ? true : undefined),
  );
}, 200_000);

afterAll(async () => {
  await stack?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** The bytes of an object of the bucket double, or a failed test. */
function bytesOf(name: string): Uint8Array {
  const object = gcs.objects.get(`${BUCKET}/${name}`);
  if (object === undefined) throw new Error(`no object ${name}`);
  return object.bytes;
}

/** The first channel of a TIFF as float64, decoded by sharp (not by Met-db's decoder). */
async function pixelsOf(bytes: Uint8Array): Promise<{ data: Float64Array; width: number; height: number }> {
  const { data, info } = await sharp(bytes, { failOn: 'none' })
    .extractChannel(0)
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const values = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return { data: Float64Array.from(values), width: info.width, height: info.height };
}

interface ShiftsJson {
  axes: string[];
  unit: string;
  images: { file: string; frame?: number; role: string; shift: number[] | null; jobId: string | null }[];
}

describe('publishOutputs in the cloud stack', () => {
  it('writes every output of the dataset under outputs/<datasetId>/v1/r5/, the manifest last', () => {
    const names = [...gcs.objects.keys()]
      .filter((k) => k.startsWith(`${BUCKET}/${prefix}`))
      .map((k) => k.slice(`${BUCKET}/${prefix}`.length));
    const stems = FRAMES.map((f) => f.replace(/\.tif$/, ''));
    for (const name of [
      'shifts.csv',
      'shifts.json',
      'report.html',
      'average.tif',
      'outputs.json',
      'registered.ome.zarr/zarr.json',
      ...stems.map((s) => `registered/${s}.tif`),
      'drift.csv',
      'drift.json',
      'migration_tyx_imagej_corrected.tif',
    ])
      expect(names, name).toContain(name);
    const manifest = JSON.parse(new TextDecoder().decode(bytesOf(`${prefix}outputs.json`))) as {
      version: number;
      revision: number;
      jobs: { state: string }[];
      outputs: { registered: string[]; shiftsJson: string };
      series: { file: string; driftCsv: string; driftJson: string; corrected: string | null }[];
    };
    expect(manifest).toMatchObject({ version: 1, revision: JOBS });
    expect(manifest.jobs.map((j) => j.state)).toEqual(new Array(JOBS).fill('done'));
    expect(manifest.outputs.shiftsJson).toBe(`gs://${BUCKET}/${prefix}shifts.json`);
    expect(manifest.series).toEqual([
      {
        file: STACK,
        driftCsv: `gs://${BUCKET}/${prefix}drift.csv`,
        driftJson: `gs://${BUCKET}/${prefix}drift.json`,
        corrected: `gs://${BUCKET}/${prefix}migration_tyx_imagej_corrected.tif`,
        qualityCsv: `gs://${BUCKET}/${prefix}quality.csv`,
        qualityJson: `gs://${BUCKET}/${prefix}quality.json`,
      },
    ]);
    // The outputs, announced to the uploads topic like any object, were not ingested.
    return expect(handle.db.selectFrom('images').select('id').execute()).resolves.toHaveLength(
      FRAMES.length + 1,
    );
  });

  it('writes a shift table that is the database rows, and close to the known drift', async () => {
    const shifts = JSON.parse(new TextDecoder().decode(bytesOf(`${prefix}shifts.json`))) as ShiftsJson;
    expect(shifts).toMatchObject({ axes: ['y', 'x'], unit: 'px' });
    expect(shifts.images.map((i) => i.file)).toEqual([...FRAMES, ...new Array<string>(5).fill(STACK)]);
    const rows = await handle.db
      .selectFrom('registrations')
      .innerJoin('jobs', 'jobs.id', 'registrations.job_id')
      .innerJoin('images', 'images.id', 'registrations.image_id')
      .select(['images.source_object', 'jobs.id', 'registrations.shift_y', 'registrations.shift_x'])
      .where('jobs.dataset_id', '=', datasetId)
      .execute();
    expect(rows).toHaveLength(PAIR_JOBS);
    for (const row of rows) {
      const file = row.source_object.slice(DATASET.length + 1);
      const image = shifts.images.find((i) => i.file === file)!;
      expect(image.jobId).toBe(row.id);
      expect(image.shift).toEqual([row.shift_y, row.shift_x]);
      const expected = truth.frames.find((f) => f.file === file)!.expected;
      expect(Math.hypot(image.shift![0]! - expected[0]!, image.shift![1]! - expected[1]!)).toBeLessThan(0.05);
    }
    expect(shifts.images[0]).toMatchObject({ role: 'reference', shift: [0, 0] });
    const csv = new TextDecoder()
      .decode(bytesOf(`${prefix}shifts.csv`))
      .trim()
      .split('\n');
    expect(csv).toHaveLength(FRAMES.length + 5 + 1);
    expect(csv[0]).toMatch(/shift_y,shift_x/);
    const report = new TextDecoder().decode(bytesOf(`${prefix}report.html`));
    for (const frame of FRAMES) expect(report).toContain(frame);
  });

  it('writes registered images that lie on the reference (read back by sharp and tifffile)', async () => {
    const reference = await pixelsOf(readFileSync(join(SERIES, 'frame_00.tif')));
    for (const frame of FRAMES.slice(1)) {
      const bytes = bytesOf(`${prefix}registered/${frame}`);
      const registered = await pixelsOf(bytes);
      const original = await pixelsOf(readFileSync(join(SERIES, frame)));
      expect([registered.width, registered.height]).toEqual([reference.width, reference.height]);
      // The drift is a few pixels: 8 px inside the borders both images have content.
      const box = { width: reference.width, height: reference.height, margin: 8 };
      const before = interiorNcc(reference.data, original.data, box);
      const after = interiorNcc(reference.data, registered.data, box);
      expect(after, frame).toBeGreaterThan(0.99);
      expect(after, frame).toBeGreaterThan(before);
      if (hasPython('tifffile', 'numpy')) {
        const path = join(scratch, frame);
        writeFileSync(path, bytes);
        const read = runPython<{ shape: number[]; dtype: string; is_imagej: boolean }>(TIFFFILE_READ, path);
        expect(read).toMatchObject({ dtype: 'uint16', is_imagej: true });
        expect(read.shape.slice(-2)).toEqual([reference.height, reference.width]);
      }
    }
  });

  it('writes the series drift (the series_frames rows) and its corrected stack', async () => {
    const frames = await handle.db
      .selectFrom('series_frames')
      .innerJoin('series', 'series.id', 'series_frames.series_id')
      .innerJoin('jobs', 'jobs.id', 'series.job_id')
      .select(['series_frames.frame_index', 'series_frames.drift_y', 'series_frames.drift_x'])
      .where('jobs.dataset_id', '=', datasetId)
      .orderBy('series_frames.frame_index')
      .execute();
    expect(frames.map((f) => f.frame_index)).toEqual([0, 1, 2, 3, 4]);
    // The nuclei drift by several pixels over the five frames.
    expect(Math.max(...frames.map((f) => Math.hypot(f.drift_y, f.drift_x)))).toBeGreaterThan(2);
    const drift = JSON.parse(new TextDecoder().decode(bytesOf(`${prefix}drift.json`))) as {
      frames: { frame: number; drift_px: number[]; shift_px: number[] }[];
    };
    expect(drift.frames).toHaveLength(frames.length);
    frames.forEach((row, k) => {
      const f = drift.frames[k]!;
      expect(f.frame).toBe(row.frame_index);
      expect(f.drift_px[0]).toBeCloseTo(row.drift_y, 4);
      expect(f.drift_px[1]).toBeCloseTo(row.drift_x, 4);
    });
    const csv = new TextDecoder()
      .decode(bytesOf(`${prefix}drift.csv`))
      .trim()
      .split('\n');
    expect(csv[0]).toBe('frame,drift_y_px,drift_x_px');
    csv.slice(1).forEach((line, k) => {
      const [frame, y, x] = line.split(',').map(Number);
      expect([frame, y, x]).toEqual([
        k,
        Number(frames[k]!.drift_y.toFixed(4)),
        Number(frames[k]!.drift_x.toFixed(4)),
      ]);
    });
    const path = join(scratch, 'corrected.tif');
    writeFileSync(path, bytesOf(`${prefix}migration_tyx_imagej_corrected.tif`));
    if (!hasPython('tifffile', 'numpy', 'scipy')) return;
    const read = runPython<{ shape: number[]; dtype: string; is_imagej: boolean }>(TIFFFILE_READ, path);
    expect(read).toMatchObject({ shape: [5, 64, 64], dtype: 'uint16', is_imagej: true });
    writeFileSync(join(scratch, 'drift.json'), bytesOf(`${prefix}drift.json`));
    // Each corrected frame is the uploaded frame moved by minus its drift: scipy's cubic spline
    // shift agrees inside the borders, to the uint16 rounding.
    const moved = runPython<{ spline: number[]; raw: number[] }>(
      SPLINE_SHIFT_DIFF,
      path,
      join(SERIES, STACK),
      join(scratch, 'drift.json'),
    );
    moved.spline.forEach((d, k) => expect(d, `frame ${k}`).toBeLessThan(2));
    moved.raw.slice(1).forEach((d, k) => expect(d, `frame ${k + 1}`).toBeGreaterThan(100));
  });

  it('announced every job once it settled, and acknowledged each delivery', async () => {
    const announced = (await pullAll(topology.pubsub, `${topics.outputs}-tap`, JOBS, 10_000)).map((m) =>
      parseOutputsMessage(JSON.parse(m.data.toString('utf8'))),
    );
    const jobs = await handle.db
      .selectFrom('jobs')
      .select('id')
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(new Set(announced.map((m) => m.jobId))).toEqual(new Set(jobs.map((j) => j.id)));
    expect(announced.every((m) => m.datasetId === datasetId)).toBe(true);
    const lines = deliveryLines(servers.publishOutputs!.output(), 'publishOutputs');
    expect(lines.length).toBeGreaterThanOrEqual(JOBS);
    expect(lines.every((l) => l.outcome === 'ack')).toBe(true);
    expect(lines.some((l) => l.published === true && l.prefix === prefix)).toBe(true);
  });

  it('leaves the same bytes on a redelivery, and recreates identical bytes for lost objects', async () => {
    const keys = [
      'shifts.json',
      'shifts.csv',
      'report.html',
      'registered/frame_03.tif',
      'drift.json',
      'migration_tyx_imagej_corrected.tif',
      'outputs.json',
    ];
    const before = keys.map((k) => gcs.objects.get(`${BUCKET}/${prefix}${k}`)!);
    const message: OutputsMessage = { schemaVersion: 1, datasetId, jobId: jobIdOf() };
    const deliveries = () => deliveryLines(servers.publishOutputs!.output(), 'publishOutputs').length;
    const redeliver = async () => {
      const seen = deliveries();
      await topology.pubsub.topic(topics.outputs).publishMessage({ json: message });
      await until('the redelivery', 60_000, () => Promise.resolve(deliveries() > seen ? true : undefined));
      return deliveryLines(servers.publishOutputs!.output(), 'publishOutputs').at(-1)!;
    };
    // The whole snapshot is there: nothing is written again.
    expect(await redeliver()).toMatchObject({ outcome: 'ack', prefix, alreadyWritten: true });
    keys.forEach((k, i) =>
      expect(gcs.objects.get(`${BUCKET}/${prefix}${k}`)?.generation, k).toBe(before[i]!.generation),
    );

    // A delivery that died half way (objects missing, no manifest): the retry writes them again,
    // byte for byte the same.
    for (const k of keys) await storage.bucket(BUCKET).file(`${prefix}${k}`).delete();
    expect(await redeliver()).toMatchObject({ outcome: 'ack', prefix, published: true });
    keys.forEach((k, i) => {
      const again = gcs.objects.get(`${BUCKET}/${prefix}${k}`);
      expect(again?.generation, k).not.toBe(before[i]!.generation);
      expect(again?.md5Hash, k).toBe(before[i]!.md5Hash);
    });
  });
});

/**
 * Per frame, the largest difference (12 px inside the borders) between a corrected stack and the
 * uploaded frames moved by minus their drift with scipy (`ndimage.shift`, cubic spline, zeros
 * outside), and between the corrected and the uploaded frames.
 */
const SPLINE_SHIFT_DIFF = String.raw`
import json, sys
import numpy as np, tifffile
from scipy.ndimage import shift
corrected = tifffile.imread(sys.argv[1]).astype(np.float64)
raw = tifffile.imread(sys.argv[2]).astype(np.float64)
frames = json.load(open(sys.argv[3]))['frames']
inner = (slice(12, -12), slice(12, -12))
spline = [float(np.abs(shift(raw[f['frame']], [-v for v in f['drift_px']], order=3, mode='constant') - corrected[f['frame']])[inner].max()) for f in frames]
moved = [float(np.abs(raw[f['frame']] - corrected[f['frame']])[inner].max()) for f in frames]
print(json.dumps({'spline': spline, 'raw': moved}))
`;

function jobIdOf(): string {
  const manifest = JSON.parse(new TextDecoder().decode(bytesOf(`${prefix}outputs.json`))) as {
    jobs: { id: string }[];
  };
  return manifest.jobs[0]!.id;
}
