/**
 * The sweep and mosaics (issue 21): a mosaic whose edge or solve messages were lost is re-driven
 * until it is solved, once; one that stays stalled is failed with the missing edges named; a
 * layout naming a tile that never arrives is failed with the tile named, and the tile arriving
 * later still gets the mosaic stitched. SQLite, a local folder as the bucket, the memory bus.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishedMessage } from '../../shared/adapters/memory-bus.js';
import { parseEdgeMessage } from '../../shared/messages/edge-message.js';
import { parseMosaicMessage } from '../../shared/messages/mosaic-message.js';
import { DecodedImageCache } from '../../shared/pipeline/decoded-image-cache.js';
import { registerEdgeFromMessage } from '../../shared/pipeline/register-edge-from-message.js';
import { solveStitching } from '../../shared/pipeline/solve-stitching.js';
import { sweepStalledMosaics } from '../../shared/pipeline/sweep-stalled-mosaics.js';
import { sweepWaitingMosaics } from '../../shared/pipeline/sweep-waiting-mosaics.js';
import { listMosaicTiles } from '../../shared/records/mosaics-repository.js';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { createPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

const MIST = 'test/fixtures/stitching/mist';
// A 2 x 2 corner of MIST's 5 x 5 mosaic (column order): 4 edges.
const NAMES = [1, 2, 6, 7].map((k) => `ImageName_t03_p${String(k).padStart(2, '0')}.tif`);
const LAYOUT = formatTileConfiguration(
  gridLayout(NAMES, { rows: 2, columns: 2, width: 245, height: 183, overlapX: 0.06, order: 'column' }),
);
const bytesOf = (name: string) => new Uint8Array(readFileSync(`${MIST}/${name}`));
const text = (s: unknown) => new TextEncoder().encode(typeof s === 'string' ? s : JSON.stringify(s));

let fixture: PipelineFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Uploads the settings, the layout and `tiles`; returns the fixture. */
async function mosaicDataset(tiles: readonly string[] = NAMES): Promise<PipelineFixture> {
  const f = (fixture = await createPipelineFixture());
  await f.upload('m/metdb.json', text({ stitch: { layout: 'TileConfiguration.txt' } }));
  await f.upload('m/TileConfiguration.txt', text(LAYOUT));
  for (const name of tiles) await f.upload(`m/${name}`, bytesOf(name));
  return f;
}

/**
 * Delivers every queued edge and mosaic message (and those they publish), except those `lose`
 * says were lost; counts the solves that stored.
 */
async function drain(f: PipelineFixture, lose: (m: PublishedMessage) => boolean = () => false) {
  const cache = new DecodedImageCache();
  let solves = 0;
  for (;;) {
    const next = f.deps.bus.published.shift();
    if (next === undefined) return { solves };
    if (lose(next)) continue;
    if (next.topic === 'edges') await registerEdgeFromMessage(f.deps, parseEdgeMessage(next.message), cache);
    else if (next.topic === 'mosaics') {
      if ((await solveStitching(f.deps, parseMosaicMessage(next.message))).solved) solves++;
    } else throw new Error(`unexpected topic ${next.topic}`);
  }
}

const itemOf = (m: PublishedMessage) => (m.message as { itemIndex?: number }).itemIndex;
const mosaicRows = (f: PipelineFixture) =>
  f.deps.db.selectFrom('mosaics').selectAll().orderBy('version').execute();

describe('the sweep re-drives stalled mosaics', () => {
  it('republishes exactly the lost edges, then the mosaic is solved once', async () => {
    const f = await mosaicDataset();
    const items = (await mosaicRows(f))[0]!.items_total;
    expect(await drain(f, (m) => m.topic === 'edges' && [0, 3, items - 1].includes(itemOf(m)!))).toEqual({
      solves: 0,
    });
    expect(await mosaicRows(f)).toMatchObject([{ state: 'running', items_done: items - 3 }]);
    // Not stalled yet: nothing is done.
    expect(await sweepStalledMosaics(f.deps, { stalledAfterMs: 3_600_000 })).toEqual([]);
    const swept = await sweepStalledMosaics(f.deps, { stalledAfterMs: 0 });
    expect(swept).toMatchObject([
      { state: 'running', action: 'redriven', missingItems: [0, 3, items - 1], published: 3 },
    ]);
    expect(f.deps.bus.published.map((m) => [m.topic, itemOf(m)])).toEqual([
      ['edges', 0],
      ['edges', 3],
      ['edges', items - 1],
    ]);
    expect(await drain(f)).toEqual({ solves: 1 });
    const [mosaic] = await mosaicRows(f);
    expect(mosaic).toMatchObject({ state: 'done', redrives: 1, items_done: items });
    // MIST's simulated overlaps are exact copies: every tile is placed by its edges.
    const tiles = await listMosaicTiles(f.deps.db, mosaic!.id);
    expect(tiles.map((t) => t.status)).toEqual(['registered', 'registered', 'registered', 'registered']);
    expect(await sweepStalledMosaics(f.deps, { stalledAfterMs: 0 })).toEqual([]);
  }, 60_000);

  it('publishes the solve again when its message was lost', async () => {
    const f = await mosaicDataset();
    expect(await drain(f, (m) => m.topic === 'mosaics')).toEqual({ solves: 0 });
    expect(await mosaicRows(f)).toMatchObject([{ state: 'solving' }]);
    const swept = await sweepStalledMosaics(f.deps, { stalledAfterMs: 0 });
    expect(swept).toMatchObject([{ state: 'solving', action: 'redriven', missingItems: [], published: 1 }]);
    expect(await drain(f)).toEqual({ solves: 1 });
    expect(await mosaicRows(f)).toMatchObject([{ state: 'done' }]);
  }, 60_000);

  it('fails a mosaic still stalled after its re-drives, naming the missing edges in one line', async () => {
    const f = await mosaicDataset();
    // The edge between the first two tiles is lost every time (its worker always dies).
    const lost = (m: PublishedMessage) => m.topic === 'edges' && itemOf(m) === 0;
    await drain(f, lost);
    for (let k = 0; k < 2; k++) {
      expect(await sweepStalledMosaics(f.deps, { stalledAfterMs: 0, maxRedrives: 2 })).toMatchObject([
        { action: 'redriven', missingItems: [0] },
      ]);
      await drain(f, lost);
    }
    const [failed] = await sweepStalledMosaics(f.deps, { stalledAfterMs: 0, maxRedrives: 2 });
    expect(failed).toMatchObject({ action: 'failed', missingItems: [0] });
    const [mosaic] = await mosaicRows(f);
    expect(mosaic!.state).toBe('failed');
    expect(mosaic!.failure_reason).toBe(failed!.reason);
    expect(mosaic!.failure_reason).toMatch(
      /^stalled running: no progress for 0 s after 2 re-drive\(s\); 1 of \d+ item\(s\) not measured: edge ImageName_t03_p01\.tif \| ImageName_t03_p0[26]\.tif$/,
    );
    expect(await sweepStalledMosaics(f.deps, { stalledAfterMs: 0, maxRedrives: 2 })).toEqual([]);
  }, 60_000);
});

describe('the sweep ends the wait of a layout naming a tile that never arrives', () => {
  it('records a failed mosaic naming the tile, once; the tile arriving later is stitched', async () => {
    const f = await mosaicDataset(NAMES.slice(0, 3));
    // A registration dataset with one image (no job yet) is not a mosaic: left alone.
    await f.upload('single/frame_00.tif', new Uint8Array(readFileSync('test/fixtures/series/frame_00.tif')));
    expect(await mosaicRows(f)).toEqual([]);
    expect(await sweepWaitingMosaics(f.deps, { uploadBucket: 'lab', stalledAfterMs: 3_600_000 })).toEqual([]);
    const swept = await sweepWaitingMosaics(f.deps, { uploadBucket: 'lab', stalledAfterMs: 0 });
    expect(swept).toMatchObject([{ action: 'failed' }]);
    expect(swept[0]!.reason).toMatch(
      /^the layout names 1 tile\(s\) that never arrived \(no upload for \d+ s\): ImageName_t03_p07\.tif$/,
    );
    expect(await mosaicRows(f)).toMatchObject([
      { state: 'failed', version: 1, items_total: 0, failure_reason: swept[0]!.reason },
    ]);
    // Decided: the next sweeps record nothing more.
    expect(await sweepWaitingMosaics(f.deps, { uploadBucket: 'lab', stalledAfterMs: 0 })).toEqual([]);
    expect(f.deps.bus.published).toEqual([]);

    const late = await f.upload(`m/${NAMES[3]!}`, bytesOf(NAMES[3]!));
    expect(late.mosaic).toMatchObject({ created: true });
    expect(await drain(f)).toEqual({ solves: 1 });
    expect((await mosaicRows(f)).map((m) => [m.version, m.state])).toEqual([
      [1, 'failed'],
      [2, 'done'],
    ]);
  }, 60_000);

  it('plans a mosaic whose tiles are all in but whose plan was lost', async () => {
    const f = await mosaicDataset();
    // The planner died before recording the mosaic: no row, no edge message.
    f.deps.bus.published.length = 0;
    await f.deps.db.deleteFrom('mosaics').execute();
    const swept = await sweepWaitingMosaics(f.deps, { uploadBucket: 'lab', stalledAfterMs: 0 });
    expect(swept).toMatchObject([{ action: 'planned' }]);
    expect(await drain(f)).toEqual({ solves: 1 });
    expect(await mosaicRows(f)).toMatchObject([{ state: 'done', id: swept[0]!.mosaicId }]);
  }, 60_000);
});
