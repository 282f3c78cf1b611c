/**
 * A time series in the cloud (issue 16), end to end on real components: the Pub/Sub emulator
 * (push subscriptions), the functions `ingest`, `registerTile`, `aggregate`, `reprocess` and
 * `publishOutputs` served by functions-framework from dist/, MariaDB, and the GCS JSON API test
 * double as the bucket. One multi-page file without axis metadata (a lone upload: a time series,
 * 6 frames of real pixels with a known subpixel drift, 3 % noise) fans out as pairs of frames x
 * tiles; the series is solved once; its trajectory lands in the database and, with the corrected
 * stack, in the results bucket. A reprocess message with another mode makes a new version, the
 * first kept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChannels } from '../../shared/imaging/image-channels.js';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import { driftSeries, type DriftSeries } from '../series/drift-series.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import { deliveryLines, until } from './pipeline-harness.js';

const run = randomUUID().slice(0, 8);
const BUCKET = `series-${run}`;
const DATASET = `drift-${run}`;
const topics = {
  uploads: `ser-uploads-${run}`,
  tiles: `ser-tiles-${run}`,
  aggregate: `ser-aggregate-${run}`,
  reprocess: `ser-reprocess-${run}`,
  outputs: `ser-outputs-${run}`,
};
/** U2OS nuclei (BBBC022, CC0), the source of the demo series. */
const NUCLEI = new URL('../../samples/sources/bbbc022_hoechst.tif', import.meta.url).pathname;
const FRAMES = 6;
const SIZE = 160;
/** rcc, window 10: every pair of the 6 frames, one tile a frame. */
const PAIRS = (FRAMES * (FRAMES - 1)) / 2;

let stack: CloudTestStack;
let series: DriftSeries;
let datasetId: string;

beforeAll(async () => {
  series = await driftSeries({ frames: FRAMES, size: SIZE, noise: 0.03, source: NUCLEI });
  stack = await startCloudTestStack({
    functions: ['ingest', 'registerTile', 'aggregate', 'reprocess', 'publishOutputs'],
    push: [
      { topic: topics.uploads, target: 'ingest' },
      { topic: topics.tiles, target: 'registerTile' },
      { topic: topics.aggregate, target: 'aggregate' },
      { topic: topics.reprocess, target: 'reprocess' },
      { topic: topics.outputs, target: 'publishOutputs' },
    ],
    env: {
      METDB_RESULTS_BUCKET: BUCKET,
      METDB_TILES_TOPIC: topics.tiles,
      METDB_AGGREGATE_TOPIC: topics.aggregate,
      METDB_REPROCESS_TOPIC: topics.reprocess,
      METDB_OUTPUTS_TOPIC: topics.outputs,
      METDB_LOG_LEVEL: 'info',
    },
    announce: { bucket: BUCKET, topic: topics.uploads },
  });
  // tifffile's way of writing a plain array: a JSON shape, no axes. Alone in its dataset: a series.
  const bytes = encodeTiff(series.stack, { description: JSON.stringify({ shape: series.stack.shape }) });
  await stack.storage
    .bucket(BUCKET)
    .file(`${DATASET}/stack.tif`)
    .save(Buffer.from(bytes), { resumable: false, contentType: 'image/tiff' });
  datasetId = (await until('the dataset row', 30_000, async () => getDatasetByName(stack.db, DATASET))).id;
  await manifest(1, 1);
}, 240_000);

afterAll(async () => stack?.stop(), 60_000);

/** Waits for the outputs of job version `v`, revision `r` (their manifest is written last). */
function manifest(v: number, r: number): Promise<true> {
  const name = `${BUCKET}/outputs/${datasetId}/v${v}/r${r}/outputs.json`;
  return until(`outputs v${v}/r${r}`, 180_000, () =>
    Promise.resolve(stack.gcs.objects.has(name) ? true : undefined),
  );
}

function text(v: number, r: number, file: string): string {
  const object = stack.gcs.objects.get(`${BUCKET}/outputs/${datasetId}/v${v}/r${r}/${file}`);
  if (object === undefined) throw new Error(`no object v${v}/r${r}/${file}`);
  return new TextDecoder().decode(object.bytes);
}

/** drift.csv's rows as numbers: frame, drift y, drift x. */
function driftRows(csv: string): number[][] {
  const [header, ...rows] = csv.trim().split('\n');
  expect(header).toBe('frame,drift_y_px,drift_x_px');
  return rows.map((r) => r.split(',').map(Number));
}

async function seriesRows() {
  return stack.db
    .selectFrom('series')
    .innerJoin('jobs', 'jobs.id', 'series.job_id')
    .select([
      'series.id',
      'series.state',
      'series.mode',
      'series.frames',
      'jobs.version',
      'jobs.state as job',
    ])
    .where('series.dataset_id', '=', datasetId)
    .orderBy('jobs.version')
    .execute();
}

describe('a multi-page series uploaded to the cloud stack', () => {
  it('is read as frames and fans out as pairs of frames x tiles in one job, solved once', async () => {
    const images = await stack.db
      .selectFrom('images')
      .select(['size_t', 'size_z', 'axes_source', 'depth', 'status'])
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(images).toEqual([
      { size_t: null, size_z: null, axes_source: 'pages', depth: FRAMES, status: 'ingested' },
    ]);
    const jobs = await stack.db
      .selectFrom('jobs')
      .select(['state', 'tiles_total', 'tiles_done'])
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(jobs).toEqual([{ state: 'done', tiles_total: PAIRS, tiles_done: PAIRS }]);
    const aggregated = deliveryLines(stack.servers.aggregate!.output(), 'aggregate').filter(
      (l) => l.aggregated === true,
    );
    expect(aggregated).toHaveLength(1);
  });

  it('records the trajectory: every frame within 0.1 px of the known drift', async () => {
    const [row] = await seriesRows();
    expect(row).toMatchObject({ state: 'done', mode: 'rcc', frames: FRAMES, version: 1, job: 'done' });
    const frames = await stack.db
      .selectFrom('series_frames')
      .select(['frame_index', 'drift_y', 'drift_x', 'quality'])
      .where('series_id', '=', row!.id)
      .orderBy('frame_index')
      .execute();
    expect(frames.map((f) => f.frame_index)).toEqual([...Array(FRAMES).keys()]);
    frames.forEach((f, k) => {
      expect(Math.abs(f.drift_y - series.drift[k]![0]!)).toBeLessThan(0.1);
      expect(Math.abs(f.drift_x - series.drift[k]![1]!)).toBeLessThan(0.1);
    });
  });

  it('writes drift.csv, drift.json and the corrected stack to the results bucket', async () => {
    const rows = driftRows(text(1, 1, 'drift.csv'));
    expect(rows.map((r) => r[0])).toEqual([...Array(FRAMES).keys()]);
    rows.forEach((r, k) =>
      expect(Math.hypot(r[1]! - series.drift[k]![0]!, r[2]! - series.drift[k]![1]!)).toBeLessThan(0.1),
    );
    const json = JSON.parse(text(1, 1, 'drift.json')) as { mode: string; frames: unknown[] };
    expect(json.mode).toBe('rcc');
    expect(json.frames).toHaveLength(FRAMES);
    const corrected = stack.gcs.objects.get(`${BUCKET}/outputs/${datasetId}/v1/r1/stack_corrected.ome.tif`);
    expect(corrected).toBeDefined();
    const image = await decodeChannels(corrected!.bytes);
    expect(image.channels[0]!.shape).toEqual([FRAMES, SIZE, SIZE]);
    const outputs = JSON.parse(text(1, 1, 'outputs.json')) as { series: { corrected: string }[] };
    expect(outputs.series.map((s) => s.corrected)).toEqual([
      `gs://${BUCKET}/outputs/${datasetId}/v1/r1/stack_corrected.ome.tif`,
    ]);
    // The outputs, announced to the uploads topic like any object, were not ingested.
    const images = await stack.db
      .selectFrom('images')
      .select('id')
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(images).toHaveLength(1);
  });

  it('reprocessed with another mode: a new version, the first kept', async () => {
    const message = {
      schemaVersion: 1,
      datasetId,
      params: { series: 'consecutive' },
      requestId: `consecutive-${run}`,
    };
    await stack.topology.pubsub.topic(topics.reprocess).publishMessage({ json: message });
    await manifest(2, 2);
    const rows = await seriesRows();
    expect(rows.map((r) => [r.version, r.job, r.state, r.mode])).toEqual([
      [1, 'done', 'done', 'rcc'],
      [2, 'done', 'done', 'consecutive'],
    ]);
    const jobs = await stack.db
      .selectFrom('jobs')
      .select(['version', 'tiles_total'])
      .where('dataset_id', '=', datasetId)
      .orderBy('version')
      .execute();
    expect(jobs).toEqual([
      { version: 1, tiles_total: PAIRS },
      { version: 2, tiles_total: FRAMES - 1 },
    ]);
    const json = JSON.parse(text(2, 2, 'drift.json')) as { mode: string };
    expect(json.mode).toBe('consecutive');
    // Solved again, frame to frame: close to the truth (consecutive pairs accumulate their errors,
    // docs/accuracy.md), and not the first version's numbers.
    const again = driftRows(text(2, 2, 'drift.csv'));
    again.forEach((r, k) =>
      expect(Math.hypot(r[1]! - series.drift[k]![0]!, r[2]! - series.drift[k]![1]!)).toBeLessThan(0.3),
    );
    expect(again).not.toEqual(driftRows(text(1, 1, 'drift.csv')));
    // The first version's outputs stay.
    expect(JSON.parse(text(1, 1, 'drift.json'))).toMatchObject({ mode: 'rcc' });
  }, 240_000);
});
