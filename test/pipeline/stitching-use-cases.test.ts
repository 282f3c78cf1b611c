/**
 * Stitching an uploaded mosaic with the pipeline's use cases (SQLite, a local folder as the bucket,
 * the memory bus): planned once whatever arrives last, every edge recorded once, one solve, the
 * positions those of the library's `stitchTiles` on the same tiles, the outputs in the bucket, and
 * bad input recorded with a one-line reason.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTiff } from '../../shared/imaging/encode-tiff.js';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { parseEdgeMessage } from '../../shared/messages/edge-message.js';
import { parseMosaicMessage } from '../../shared/messages/mosaic-message.js';
import { ingestUpload } from '../../shared/pipeline/ingest-upload.js';
import { registerEdgeFromMessage } from '../../shared/pipeline/register-edge-from-message.js';
import { solveStitching } from '../../shared/pipeline/solve-stitching.js';
import { DecodedImageCache } from '../../shared/pipeline/decoded-image-cache.js';
import { listMosaicTiles } from '../../shared/records/mosaics-repository.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { parseTileConfiguration } from '../../shared/stitching/parse-tile-configuration.js';
import { stitchTiles } from '../../shared/stitching/stitch-tiles.js';
import type { PublishedMessage } from '../../shared/adapters/memory-bus.js';
import { createPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

const MIST = 'test/fixtures/stitching/mist';
// A 3 x 3 corner of MIST's 5 x 5 mosaic (column order): 12 edges.
const NAMES = [1, 2, 3, 6, 7, 8, 11, 12, 13].map((k) => `ImageName_t03_p${String(k).padStart(2, '0')}.tif`);
const LAYOUT = formatTileConfiguration(
  gridLayout(NAMES, { rows: 3, columns: 3, width: 245, height: 183, overlapX: 0.06, order: 'column' }),
);
const bytesOf = (name: string) => new Uint8Array(readFileSync(`${MIST}/${name}`));
const text = (s: unknown) => new TextEncoder().encode(typeof s === 'string' ? s : JSON.stringify(s));

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Runs every queued edge and mosaic message (and those they publish); counts the solves that stored. */
async function drain(f: PipelineFixture, seen: PublishedMessage[] = []) {
  const cache = new DecodedImageCache();
  let edges = 0;
  let solves = 0;
  for (;;) {
    const next = f.deps.bus.published.shift();
    if (next === undefined) return { edges, solves };
    seen.push(next);
    if (next.topic === 'edges') {
      if ((await registerEdgeFromMessage(f.deps, parseEdgeMessage(next.message), cache)).inserted) edges++;
    } else if (next.topic === 'mosaics') {
      if ((await solveStitching(f.deps, parseMosaicMessage(next.message))).solved) solves++;
    } else {
      throw new Error(`a mosaic dataset published to ${next.topic}`);
    }
  }
}

describe('stitching an uploaded mosaic (SQLite, local folder, memory bus)', () => {
  it('plans once when the layout arrives last; positions equal the library result; one solve', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.upload('m/metdb.json', text({ stitch: { layout: 'TileConfiguration.txt' } }));
    for (const name of [...NAMES].reverse()) {
      const r = await f.upload(`m/${name}`, bytesOf(name));
      expect(r).toMatchObject({ outcome: 'ingested', jobIds: [], mosaic: { mosaic: true } });
      expect(r.mosaic?.waiting).toBe('the layout m/TileConfiguration.txt is not uploaded yet');
    }
    const last = await f.upload('m/TileConfiguration.txt', text(LAYOUT));
    expect(last).toMatchObject({ outcome: 'ignored', mosaic: { created: true, published: 112 } });
    // Redelivered upload events plan nothing new.
    for (const name of ['TileConfiguration.txt', 'metdb.json', NAMES[0]!]) {
      const again = await ingestUpload(f.deps, await f.eventOf(`m/${name}`));
      expect(again.mosaic).toMatchObject({ mosaicId: last.mosaic!.mosaicId, created: false, published: 0 });
    }
    const seen: PublishedMessage[] = [];
    expect(await drain(f, seen)).toEqual({ edges: 112, solves: 1 });

    const tiles = (await Promise.all(NAMES.map((n) => readImageFile(`${MIST}/${n}`)))).map((t) => t.array);
    const local = stitchTiles(tiles, parseTileConfiguration(LAYOUT));
    const stored = await listMosaicTiles(f.deps.db, last.mosaic!.mosaicId!);
    expect(stored.map((t) => t.name)).toEqual(NAMES);
    stored.forEach((t, k) => {
      expect(t.x).toBeCloseTo(local.tiles[k]!.x, 9);
      expect(t.y).toBeCloseTo(local.tiles[k]!.y, 9);
      expect(t.status).toBe(local.tiles[k]!.status);
    });
    // The overlaps of MIST's simulated tiles are exact copies: the offsets are whole pixels.
    expect(stored.every((t) => t.status === 'registered')).toBe(true);

    const mosaic = await f.deps.db.selectFrom('mosaics').selectAll().executeTakeFirstOrThrow();
    expect(mosaic).toMatchObject({ state: 'done', version: 1, items_done: 112 });
    const prefix = `outputs/${mosaic.dataset_id}/mosaics/v1/`;
    expect(mosaic.output_prefix).toBe(prefix);
    const objects = (await f.deps.blobs.list(prefix)).map((o) => o.key.slice(prefix.length));
    expect(objects).toContain('mosaic.ome.zarr/zarr.json');
    expect(objects).toContain('mosaic.ome.zarr/0/zarr.json');
    expect(objects.filter((o) => !o.startsWith('mosaic.ome.zarr/')).sort()).toEqual([
      'TileConfiguration.registered.txt',
      'mosaic.ome.tif',
      'positions.csv',
      'positions.json',
      'report.html',
    ]);
    const registered = parseTileConfiguration(
      new TextDecoder().decode(await f.deps.blobs.get(`${prefix}TileConfiguration.registered.txt`)),
    );
    expect(registered.tiles.map((t) => [t.name, t.x, t.y])).toEqual(
      local.tiles.map((t) => [t.name, Number(t.x.toFixed(3)), Number(t.y.toFixed(3))]),
    );

    // Every message delivered again: nothing changes, no second solve.
    const before = await f.deps.db.selectFrom('mosaics').selectAll().execute();
    f.deps.bus.published.push(...seen);
    expect(await drain(f)).toEqual({ edges: 0, solves: 0 });
    expect(await f.deps.db.selectFrom('mosaics').selectAll().execute()).toEqual(before);
    expect(
      await f.deps.db
        .selectFrom('mosaic_items')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ).toEqual({ n: 112 });
  }, 120_000);

  it('plans a grid from metdb.json when the last tile arrives, and no registration job', async () => {
    const f = (fixture = await createPipelineFixture());
    await f.upload('g/metdb.json', text({ stitch: { grid: '3x3', overlap: '6%', order: 'column' } }));
    const results = [];
    for (const name of NAMES) results.push(await f.upload(`g/${name}`, bytesOf(name)));
    expect(results.slice(0, 8).map((r) => r.mosaic?.waiting)).toEqual(
      Array.from({ length: 8 }, (_, k) => `grid 3x3, column needs 9 tiles, ${k + 1} uploaded so far`),
    );
    expect(results[8]!.mosaic).toMatchObject({ created: true, published: 112 });
    expect(await f.deps.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    expect(await drain(f)).toEqual({ edges: 112, solves: 1 });
    const tiles = (await Promise.all(NAMES.map((n) => readImageFile(`${MIST}/${n}`)))).map((t) => t.array);
    const local = stitchTiles(
      tiles,
      gridLayout(NAMES, { rows: 3, columns: 3, width: 245, height: 183, overlapX: 0.06, order: 'column' }),
    );
    const stored = await listMosaicTiles(f.deps.db, results[8]!.mosaic!.mosaicId!);
    stored.forEach((t, k) => expect([t.x, t.y]).toEqual([local.tiles[k]!.x, local.tiles[k]!.y]));
  }, 120_000);

  it('records bad input with a one-line reason: tiles of different sizes, no overlap; waits for missing files', async () => {
    const f = (fixture = await createPipelineFixture());
    // A layout naming a file that is not there: the mosaic waits for it, and says so.
    await f.upload(
      'a/TileConfiguration.txt',
      text(`dim = 2\n${NAMES[0]}; ; (0, 0)\nmissing.tif; ; (230, 0)\n`),
    );
    const waiting = await f.upload(`a/${NAMES[0]}`, bytesOf(NAMES[0]!));
    expect(waiting.mosaic?.waiting).toBe('a/TileConfiguration.txt waits for 1 tile(s): a/missing.tif');

    // Tiles of different sizes.
    await f.upload(
      'b/TileConfiguration.txt',
      text(`dim = 2\n${NAMES[0]}; ; (0, 0)\nsmall.tif; ; (230, 0)\n`),
    );
    await f.upload(`b/${NAMES[0]}`, bytesOf(NAMES[0]!));
    const small = encodeTiff({
      data: new Uint16Array(100 * 120).map((_, k) => (k * 7919) % 4096),
      shape: [100, 120],
    });
    const sizes = await f.upload('b/small.tif', small);
    expect(sizes.mosaic?.failed).toBe(
      `tiles of different sizes: b/small.tif is 120x100 px, b/${NAMES[0]} is 245x183 px`,
    );

    // No two tiles overlap.
    await f.upload(
      'c/TileConfiguration.txt',
      text(`dim = 2\n${NAMES[0]}; ; (0, 0)\n${NAMES[1]}; ; (400, 0)\n`),
    );
    await f.upload(`c/${NAMES[0]}`, bytesOf(NAMES[0]!));
    const apart = await f.upload(`c/${NAMES[1]}`, bytesOf(NAMES[1]!));
    expect(apart.mosaic?.failed).toBe('no two tiles overlap in the layout (tiles 245x183 px)');

    const rows = await f.deps.db.selectFrom('mosaics').selectAll().orderBy('created_at').execute();
    expect(rows.map((r) => [r.state, r.failure_reason])).toEqual([
      ['failed', sizes.mosaic!.failed],
      ['failed', apart.mosaic!.failed],
    ]);
    // A redelivery records nothing new.
    await ingestUpload(f.deps, await f.eventOf('c/TileConfiguration.txt'));
    expect(await f.deps.db.selectFrom('mosaics').selectAll().execute()).toHaveLength(2);
    expect(f.deps.bus.published).toEqual([]);
  }, 120_000);
});
