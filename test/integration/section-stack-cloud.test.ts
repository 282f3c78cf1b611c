/**
 * A FIB-SEM stack in the cloud (issue 19), end to end on real components: the Pub/Sub emulator
 * (push subscriptions), the functions `ingest`, `registerTile`, `aggregate`, `reprocess` and
 * `publishOutputs` served by functions-framework from dist/, MariaDB, and the GCS JSON API test
 * double as the bucket. One MRC stack of real pixels through slowly varying affine maps, with
 * `"model": "affine"` in metdb.json: its pairs of consecutive sections x tiles fan out in one job,
 * the chain is solved once at fan-in, each section's matrix lands in section_matrices and the
 * outputs are the bytes `metdb align` writes for the same stack. A reprocess with another model
 * makes a new version, the first kept.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignCommand } from '../../cli/align-command.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { getDatasetByName } from '../../shared/records/datasets-repository.js';
import type { Matrix3 } from '../../shared/registration/similarity/transform-matrix.js';
import { cornerError, sectionStack, type SectionStack } from '../series/section-stack.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import { deliveryLines, until } from './pipeline-harness.js';

const run = randomUUID().slice(0, 8);
const BUCKET = `sections-${run}`;
const DATASET = `fibsem-${run}`;
const topics = {
  uploads: `sec-uploads-${run}`,
  tiles: `sec-tiles-${run}`,
  aggregate: `sec-aggregate-${run}`,
  reprocess: `sec-reprocess-${run}`,
  outputs: `sec-outputs-${run}`,
};
const [N, H, W] = [6, 256, 320];
/** 64 px tiles without overlap: 4 x 5 a section, for each of the 5 pairs of consecutive sections. */
const TILES = (N - 1) * 20;
const SETTINGS = { model: 'affine', tileSize: 64, outputFrame: 'crop' };

let stack: CloudTestStack;
let made: SectionStack;
let mrc: Uint8Array;
let datasetId: string;
let scratch: string;

beforeAll(async () => {
  made = await sectionStack({ n: N, h: H, w: W });
  mrc = encodeMrc(made.stack, { voxelSize: { x: 50, y: 50, z: 80 } });
  scratch = mkdtempSync(join(tmpdir(), 'metdb-sections-cloud-'));
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
  const bucket = stack.storage.bucket(BUCKET);
  await bucket
    .file(`${DATASET}/metdb.json`)
    .save(Buffer.from(JSON.stringify(SETTINGS)), { resumable: false, contentType: 'application/json' });
  await bucket.file(`${DATASET}/stack.mrc`).save(Buffer.from(mrc), { resumable: false });
  datasetId = (await until('the dataset row', 30_000, async () => getDatasetByName(stack.db, DATASET))).id;
  await manifest(1, 1);
}, 300_000);

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await stack?.stop();
}, 60_000);

function manifest(v: number, r: number): Promise<true> {
  const name = `${BUCKET}/outputs/${datasetId}/v${v}/r${r}/outputs.json`;
  return until(`outputs v${v}/r${r}`, 240_000, () =>
    Promise.resolve(stack.gcs.objects.has(name) ? true : undefined),
  );
}

function bytes(v: number, r: number, file: string): Uint8Array {
  const object = stack.gcs.objects.get(`${BUCKET}/outputs/${datasetId}/v${v}/r${r}/${file}`);
  if (object === undefined) throw new Error(`no object v${v}/r${r}/${file}`);
  return object.bytes;
}

async function sectionRows(version: number) {
  return stack.db
    .selectFrom('section_matrices')
    .innerJoin('series', 'series.id', 'section_matrices.series_id')
    .innerJoin('jobs', 'jobs.id', 'series.job_id')
    .selectAll('section_matrices')
    .where('series.dataset_id', '=', datasetId)
    .where('jobs.version', '=', version)
    .orderBy('section_matrices.frame_index')
    .execute();
}

const matrixOf = (r: {
  m00: number;
  m01: number;
  m02: number;
  m10: number;
  m11: number;
  m12: number;
}): Matrix3 => [
  [r.m00, r.m01, r.m02],
  [r.m10, r.m11, r.m12],
  [0, 0, 1],
];

describe('an MRC stack with "model": "affine" uploaded to the cloud stack', () => {
  it('fans out as consecutive pairs x tiles in one job, chained once at fan-in', async () => {
    const jobs = await stack.db
      .selectFrom('jobs')
      .select(['state', 'tiles_total', 'tiles_done'])
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(jobs).toEqual([{ state: 'done', tiles_total: TILES, tiles_done: TILES }]);
    const aggregated = deliveryLines(stack.servers.aggregate!.output(), 'aggregate').filter(
      (l) => l.aggregated === true,
    );
    expect(aggregated).toHaveLength(1);
    const series = await stack.db
      .selectFrom('series')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .execute();
    expect(series).toMatchObject([{ mode: 'consecutive', frames: N, state: 'done' }]);
  });

  it("records each section's matrix, within 0.5 px of the truth at the corners", async () => {
    const rows = await sectionRows(1);
    expect(rows.map((r) => r.frame_index)).toEqual([...Array(N).keys()]);
    rows.forEach((r, k) => expect(cornerError(matrixOf(r), made.truth[k]!, [H, W])).toBeLessThan(0.5));
    expect(rows.slice(1).every((r) => r.model === 'affine' && r.flagged === null)).toBe(true);
  });

  it('publishes the bytes metdb align writes: corrected MRC, quality table; and the transforms', async () => {
    const input = join(scratch, 'stack.mrc');
    writeFileSync(input, mrc);
    writeFileSync(join(scratch, 'metdb.json'), JSON.stringify(SETTINGS));
    await alignCommand([input, join(scratch, 'aligned.mrc')], () => undefined);
    expect(
      Buffer.compare(
        Buffer.from(bytes(1, 1, 'stack_corrected.mrc')),
        readFileSync(join(scratch, 'aligned.mrc')),
      ),
    ).toBe(0);
    expect(new TextDecoder().decode(bytes(1, 1, 'quality.csv'))).toBe(
      readFileSync(join(scratch, 'aligned.quality.csv'), 'utf8'),
    );
    const transforms = JSON.parse(new TextDecoder().decode(bytes(1, 1, 'transforms.json'))) as {
      sections: { matrix: Matrix3 }[];
    };
    const rows = await sectionRows(1);
    expect(transforms.sections.map((s) => s.matrix)).toEqual(rows.map(matrixOf));
    const outputs = JSON.parse(new TextDecoder().decode(bytes(1, 1, 'outputs.json'))) as {
      series: { corrected: string; transformsCsv: string }[];
    };
    expect(outputs.series[0]).toMatchObject({
      corrected: `gs://${BUCKET}/outputs/${datasetId}/v1/r1/stack_corrected.mrc`,
      transformsCsv: `gs://${BUCKET}/outputs/${datasetId}/v1/r1/transforms.csv`,
    });
  });

  it('reprocessed with another model: a new version, the first kept', async () => {
    const message = {
      schemaVersion: 1,
      datasetId,
      params: { model: 'scale-shift' },
      requestId: `scale-${run}`,
    };
    await stack.topology.pubsub.topic(topics.reprocess).publishMessage({ json: message });
    await manifest(2, 2);
    const first = await sectionRows(1);
    const second = await sectionRows(2);
    expect(first).toHaveLength(N);
    expect(second.map((r) => r.model)).toEqual([null, ...Array<string>(N - 1).fill('scale-shift')]);
    // scale + shift: no shear, no rotation in any step, so none in the chain.
    expect(second.every((r) => r.m01 === 0 && r.m10 === 0)).toBe(true);
    const transforms = JSON.parse(new TextDecoder().decode(bytes(2, 2, 'transforms.json'))) as {
      model: string;
    };
    expect(transforms.model).toBe('scale-shift');
  });
});
