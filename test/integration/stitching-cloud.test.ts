/**
 * Stitching in the cloud, end to end on real components: the Pub/Sub emulator (push subscriptions
 * with retry and dead-letter policies), the functions `ingest`, `stitchEdge` and `stitchSolve`
 * served by functions-framework over HTTP from dist/, MariaDB, and the GCS JSON API test double as
 * the buckets (uploads announced as GCS notifications). MIST's 25 tiles and a Fiji layout are
 * uploaded to a dataset; the positions and outputs must be those of `metdb stitch` (stitchFolder)
 * on the same files, the solve must run once, and a redelivered edge must change nothing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/records/database-schema.js';
import { listMosaicTiles } from '../../shared/records/mosaics-repository.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { stitchFolder, type StitchFolderResult } from '../../local/stitch-folder.js';
import type { GcsDouble } from '../support/gcs-double.js';
import { startCloudTestStack, type CloudTestStack } from '../support/cloud-test-stack.js';
import type { Topology } from '../../scripts/dev-cloud/pubsub-topology.js';
import { deliveryLines, pullAll, until } from './pipeline-harness.js';
import { differences } from './local-vs-cloud-support.js';

const run = randomUUID().slice(0, 8);
const UPLOADS = `uploads-${run}`;
const RESULTS = `results-${run}`;
const DATASET = `mosaic-${run}`;
const topics = { uploads: `uploads-${run}`, edges: `edges-${run}`, mosaics: `mosaics-${run}` };
const MIST = 'test/fixtures/stitching/mist';
const NAMES = readdirSync(MIST)
  .filter((n) => n.endsWith('.tif'))
  .sort();
// MIST's 5 x 5 grid, column order, 6 % overlap: the nominal layout as a Fiji file.
const LAYOUT = formatTileConfiguration(
  gridLayout(NAMES, { rows: 5, columns: 5, width: 245, height: 183, overlapX: 0.06, order: 'column' }),
);
const EDGES = 40;
const ITEMS = EDGES + 100; // and the 100 null pairs of the NCC threshold

let stack: CloudTestStack;
let db: Kysely<Database>;
let gcs: GcsDouble;
let topology: Topology;
let storage: Storage;
let local: StitchFolderResult;
let tmp: string;
let servers: CloudTestStack['servers'];
let publishing: Promise<unknown>[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'metdb-stitch-cloud-'));
  for (const name of NAMES) copyFileSync(join(MIST, name), join(tmp, name));
  writeFileSync(join(tmp, 'TileConfiguration.txt'), LAYOUT);
  local = await stitchFolder({
    dir: tmp,
    layout: { kind: 'file', path: join(tmp, 'TileConfiguration.txt') },
    out: join(tmp, 'out'),
  });
  stack = await startCloudTestStack({
    functions: ['ingest', 'stitchEdge', 'stitchSolve'],
    push: [
      { topic: topics.uploads, target: 'ingest' },
      { topic: topics.edges, target: 'stitchEdge' },
      { topic: topics.mosaics, target: 'stitchSolve' },
    ],
    env: {
      METDB_UPLOAD_BUCKET: UPLOADS,
      METDB_RESULTS_BUCKET: RESULTS,
      METDB_EDGES_TOPIC: topics.edges,
      METDB_MOSAICS_TOPIC: topics.mosaics,
      METDB_LOG_LEVEL: 'info',
    },
    // Only the upload bucket is announced (its notification); outputs land in the results bucket.
    announce: { bucket: UPLOADS, topic: topics.uploads },
    // A tap: a pull subscription that sees every edge message, to re-deliver one.
    taps: [topics.edges],
    poolSize: 4,
  });
  ({ db, gcs, topology, storage, servers, publishing } = stack);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

async function upload(name: string, bytes: Uint8Array, contentType = 'image/tiff'): Promise<void> {
  await storage.bucket(UPLOADS).file(name).save(Buffer.from(bytes), { resumable: false, contentType });
}

const outputText = (prefix: string, name: string): string => {
  const object = gcs.objects.get(`${RESULTS}/${prefix}${name}`);
  if (object === undefined) throw new Error(`no output ${prefix}${name}`);
  return Buffer.from(object.bytes).toString('utf8');
};

describe('stitching on the Pub/Sub emulator, functions-framework and MariaDB', () => {
  it('stitches uploaded tiles and a layout to the positions and outputs of metdb stitch', async () => {
    await upload(
      `${DATASET}/metdb.json`,
      Buffer.from(JSON.stringify({ stitch: { layout: 'TileConfiguration.txt' } })),
      'application/json',
    );
    for (const name of NAMES) await upload(`${DATASET}/${name}`, readFileSync(join(MIST, name)));
    // The layout last: its arrival plans the mosaic.
    await upload(`${DATASET}/TileConfiguration.txt`, Buffer.from(LAYOUT), 'text/plain');
    const mosaic = await until('the mosaic solved', 180_000, async () => {
      const row = await db.selectFrom('mosaics').selectAll().executeTakeFirst();
      return row !== undefined && (row.state === 'done' || row.state === 'failed') ? row : undefined;
    });
    expect(mosaic).toMatchObject({ state: 'done', items_total: ITEMS, items_done: ITEMS, version: 1 });
    expect(await db.selectFrom('mosaics').selectAll().execute()).toHaveLength(1);
    expect(await db.selectFrom('jobs').selectAll().execute()).toEqual([]);

    const tiles = await listMosaicTiles(db, mosaic.id);
    expect(tiles.map((t) => t.name)).toEqual(local.result.tiles.map((t) => t.name));
    // The same numerics on the same measurements; MariaDB's DOUBLE round trip may move the last bit.
    tiles.forEach((t, k) => {
      const l = local.result.tiles[k]!;
      expect(Math.abs(t.x - l.x) + Math.abs(t.y - l.y)).toBeLessThan(1e-9);
      expect([t.status, t.edges]).toEqual([l.status, l.edges]);
    });

    const prefix = `outputs/${mosaic.dataset_id}/mosaics/v1/`;
    expect(mosaic.output_prefix).toBe(prefix);
    for (const name of ['TileConfiguration.registered.txt', 'positions.csv']) {
      expect(outputText(prefix, name), name).toBe(readFileSync(join(tmp, 'out', name), 'utf8'));
    }
    const json = JSON.parse(outputText(prefix, 'positions.json')) as unknown;
    const localJson = JSON.parse(readFileSync(join(tmp, 'out', 'positions.json'), 'utf8')) as unknown;
    expect(differences(json, localJson, 1e-9)).toEqual([]);
    const fused = gcs.objects.get(`${RESULTS}/${prefix}mosaic.ome.tif`);
    expect(Buffer.from(fused!.bytes).equals(readFileSync(join(tmp, 'out', 'mosaic.ome.tif')))).toBe(true);
    expect(gcs.objects.has(`${RESULTS}/${prefix}report.html`)).toBe(true);

    const solves = deliveryLines(servers.stitchSolve!.output(), 'stitchSolve');
    expect(solves.filter((l) => l.solved === true)).toHaveLength(1);
    const edges = deliveryLines(servers.stitchEdge!.output(), 'stitchEdge');
    expect(edges.filter((l) => l.inserted === true)).toHaveLength(ITEMS);
    expect(edges.filter((l) => l.completedMosaic === true)).toHaveLength(1);
  }, 240_000);

  it('changes nothing when an edge, the uploads and the solve are delivered again', async () => {
    await Promise.all(publishing);
    const rows = async () => ({
      mosaics: await db.selectFrom('mosaics').selectAll().execute(),
      items: await db.selectFrom('mosaic_items').selectAll().orderBy('item_index').execute(),
      tiles: await db.selectFrom('mosaic_tiles').selectAll().orderBy('tile_index').execute(),
      images: await db.selectFrom('images').selectAll().orderBy('id').execute(),
    });
    const before = await rows();
    const objects = gcs.objects.size;
    const tapped = await pullAll(topology.pubsub, `${topics.edges}-tap`, ITEMS);
    const edge = tapped.find((m) => m.attributes.kind === 'edge')!;
    const seen = {
      edges: deliveryLines(servers.stitchEdge!.output(), 'stitchEdge').length,
      solves: deliveryLines(servers.stitchSolve!.output(), 'stitchSolve').length,
      ingest: deliveryLines(servers.ingest!.output(), 'ingest').length,
    };
    const pubsub = topology.pubsub;
    await pubsub.topic(topics.edges).publishMessage({ data: edge.data, attributes: edge.attributes });
    await pubsub
      .topic(topics.mosaics)
      .publishMessage({ json: { schemaVersion: 1, mosaicId: before.mosaics[0]!.id } });
    await upload(`${DATASET}/TileConfiguration.txt`, Buffer.from(LAYOUT), 'text/plain');
    await until('every re-delivery handled', 60_000, () =>
      Promise.resolve(
        deliveryLines(servers.stitchEdge!.output(), 'stitchEdge').length > seen.edges &&
          deliveryLines(servers.stitchSolve!.output(), 'stitchSolve').length > seen.solves &&
          deliveryLines(servers.ingest!.output(), 'ingest').length > seen.ingest
          ? true
          : undefined,
      ),
    );
    const again = deliveryLines(servers.stitchEdge!.output(), 'stitchEdge').slice(seen.edges);
    expect(again.map((l) => [l.outcome, l.inserted, l.completedMosaic])).toEqual([['ack', false, false]]);
    const solve = deliveryLines(servers.stitchSolve!.output(), 'stitchSolve').slice(seen.solves);
    expect(solve.map((l) => [l.outcome, l.solved, l.detail])).toEqual([['ack', false, 'already done']]);
    // The layout uploaded again (a new generation, the same layout and tiles) plans nothing new.
    const ingested = deliveryLines(servers.ingest!.output(), 'ingest').slice(seen.ingest);
    expect(ingested.map((l) => l.outcome)).toEqual(['ack']);
    const after = await rows();
    expect(after).toEqual(before);
    expect(gcs.objects.size).toBe(objects);
  }, 120_000);
});
